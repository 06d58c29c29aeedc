import Foundation

/// Names of one mineral (矿种): a licence, a survey and a clerk may write
/// the same mineral in English or Chinese, in full or short. Renaming a
/// mine's mineral to another name of the same one is no change of main
/// mineral (§6.2 of the plan): it obliges nothing.
public enum Minerals {
    /// Each group is one mineral; lower-cased, spaces trimmed.
    static let groups: [Set<String>] = [
        ["coal", "煤", "煤炭", "原煤"],
        ["construction sand", "建筑用砂", "建筑砂"],
        ["construction gravel", "gravel", "建筑用砾石", "砾石"],
        ["sand and gravel", "construction sand and gravel", "砂石", "建筑用砂石", "砂砾石"],
        ["glass quartzite", "玻璃用石英岩", "石英岩"],
        ["foundry sand", "铸型用砂"],
        ["building-stone limestone", "limestone", "建筑石料用灰岩", "灰岩", "石灰岩"],
        ["refractory clay", "耐火粘土", "耐火黏土"],
        ["glass sand", "玻璃用砂"],
        ["kaolin", "高岭土"],
    ]

    static func key(_ name: String) -> String {
        let n = name.trimmingCharacters(in: .whitespaces).lowercased()
        return groups.firstIndex { $0.contains(n) }.map { "group-\($0)" } ?? n
    }

    /// Whether two names are of one mineral.
    public static func same(_ a: String, _ b: String) -> Bool { key(a) == key(b) }
}
