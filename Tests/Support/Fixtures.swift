public import Reclaim

/// A large open-pit coal mine on grassland, 123.45 hm², for tests that need one.
public func sampleMine(_ license: String = "C1500002011011120001") throws -> NewMine {
    NewMine(
        license: license, name: "王家塔露天煤矿", holder: "达拉特旗某煤业有限公司", mineral: "coal",
        mineralClass: .solidEnergy, scale: .large, method: .openPit, status: .producing,
        area: try Area.parseHectares("123.45"), landType: .grassland)
}
