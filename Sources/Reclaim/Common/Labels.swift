/// A code that people read: each value's Chinese and English label. Every
/// enumeration shown on a page, in a CSV, a report or the disclosure
/// conforms here, in this one file, so that no screen or file shows a bare
/// code and no two places word it differently; `Labels.all` lists them for
/// the test that every value has both labels.
public protocol Labelled: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// (Chinese, English).
    var labels: (zh: String, en: String) { get }
}

extension Labelled {
    public func label(_ lang: ReportLanguage) -> String { lang == .zh ? labels.zh : labels.en }

    /// Every value as (code, Chinese, English).
    public static var labelRows: [(code: String, zh: String, en: String)] {
        allCases.map { ($0.rawValue, $0.labels.zh, $0.labels.en) }
    }
}

public enum Labels {
    /// Every labelled enumeration, by name.
    public static let all: [(name: String, rows: [(code: String, zh: String, en: String)])] = [
        ("MineralClass", MineralClass.labelRows), ("MineScale", MineScale.labelRows), ("MiningMethod", MiningMethod.labelRows),
        ("MethodDetail", MethodDetail.labelRows), ("MineStatus", MineStatus.labelRows), ("LandType", LandType.labelRows),
        ("ObligationKind", ObligationKind.labelRows), ("FundingSource", FundingSource.labelRows),
        ("ProblemType", ProblemType.labelRows), ("EntryKind", EntryKind.labelRows), ("AccountKind", AccountKind.labelRows),
        ("WorkType", WorkType.labelRows), ("Role", Role.labelRows), ("PlanState", PlanState.labelRows),
        ("PlanAction", PlanAction.labelRows), ("AnnualPlanState", AnnualPlanState.labelRows),
        ("AnnualPlanAction", AnnualPlanAction.labelRows), ("ClosureState", ClosureState.labelRows),
        ("ClosureAction", ClosureAction.labelRows), ("LegacyProjectState", LegacyProjectState.labelRows),
        ("LegacyProjectAction", LegacyProjectAction.labelRows), ("CalendarDay.Kind", CalendarDay.Kind.labelRows),
        ("Reminder.Kind", Reminder.Kind.labelRows), ("DocumentSubject", DocumentSubject.labelRows),
        ("ClosureCheck", ClosureCheck.labelRows), ("VerifyStep", VerifyStep.labelRows),
        ("GreenArea", GreenArea.labelRows), ("GreenRemovalCause", GreenRemovalCause.labelRows),
        ("GreenCheckResult", GreenCheckResult.labelRows), ("HazardKind", HazardKind.labelRows),
    ]
}

extension MineralClass: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .solidEnergy: ("能源矿产（固体）", "Solid energy minerals")
        case .metal: ("金属矿产", "Metallic minerals")
        case .buildingNonmetal: ("建材类非金属矿产", "Non-metallic minerals for building")
        case .otherNonmetal: ("其他非金属矿产", "Other non-metallic minerals")
        case .nonSolidEnergy: ("能源矿产（非固体）", "Non-solid energy minerals")
        }
    }
}

extension MineScale: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .large: ("大型", "Large")
        case .medium: ("中型", "Medium")
        case .small: ("小型", "Small")
        case .micro: ("小型以下", "Below small")
        }
    }
}

extension MiningMethod: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .openPit: ("露天开采", "Open pit")
        case .underground: ("地下开采", "Underground")
        }
    }
}

extension MethodDetail: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .openPitLayered: ("露天开采（分层）", "Open pit, layered")
        case .openPitOther: ("露天开采（其他）", "Open pit, other")
        case .pitDepth30mOrLess: ("露天开采（采深30米及以下）", "Open pit, 30 m deep or less")
        case .pitDepthOver30m: ("露天开采（采深30米以上）", "Open pit, over 30 m deep")
        case .undergroundBackfill: ("地下开采（充填）", "Underground, backfilled")
        case .undergroundNoSubsidence: ("地下开采（不塌陷）", "Underground, no subsidence")
        case .undergroundSubsidence: ("地下开采（塌陷）", "Underground, subsidence")
        case .nonSolid: ("非固体矿产开采", "Non-solid extraction")
        }
    }
}

extension MineStatus: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .producing: ("生产", "Producing")
        case .underConstruction: ("基建", "Under construction")
        case .suspended: ("停产", "Suspended")
        case .closed: ("闭坑", "Closed")
        case .cancelled: ("注销（整合重组）", "Cancelled (merged)")
        }
    }
}

extension LandType: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .cropland: ("耕地", "Cropland")
        case .forest: ("林地", "Forest")
        case .grassland: ("草地", "Grassland")
        case .other: ("其他", "Other")
        }
    }
}

extension ObligationKind: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .recompilePlan: ("重新编制保护与复垦方案", "Re-plan")
        case .resignResponsibilityLetter: ("重新签订治理责任书", "Re-sign the responsibility letter")
        case .reassessFund: ("重新核定基金", "Reassess the fund")
        }
    }
}

extension FundingSource: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .central: ("中央财政", "Central government")
        case .region: ("自治区财政", "Autonomous region")
        case .city: ("市级财政", "City")
        case .banner: ("旗级财政", "Banner")
        case .social: ("社会资金", "Social capital")
        }
    }
}

extension ProblemType: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .subsidence: ("采空塌陷", "Subsidence")
        case .openPit: ("露天采坑", "Open pit")
        case .wasteDump: ("废石（渣）堆", "Waste dump")
        case .highwall: ("高陡边坡", "Highwall")
        case .opening: ("废弃井口（硐口）", "Abandoned opening")
        case .damagedCropland: ("损毁耕地", "Damaged cropland")
        case .damagedForest: ("损毁林地", "Damaged forest")
        case .damagedGrassland: ("损毁草地", "Damaged grassland")
        case .other: ("其他", "Other")
        }
    }
}

extension EntryKind: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .deposit: ("存入", "Deposit")
        case .withdrawal: ("使用", "Withdrawal")
        case .transfer: ("转移", "Transfer")
        case .depositConversion: ("保证金转入", "Deposit conversion")
        case .reversal: ("冲正", "Reversal")
        case .closureRelease: ("闭坑返还", "Closure release")
        case .legacyCommit: ("历史遗留项目拨付", "Legacy commitment")
        case .legacySpend: ("历史遗留项目支出", "Legacy spending")
        }
    }
}

extension AccountKind: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .fund: ("基金账户", "Fund")
        case .contributions: ("企业缴存", "Contributions")
        case .works: ("治理工程支出", "Works")
        case .convertedDeposits: ("转入的保证金", "Converted deposits")
        case .closureReleases: ("闭坑返还", "Closure releases")
        case .sourceCentral: ("资金来源：中央财政", "Source: central")
        case .sourceRegion: ("资金来源：自治区财政", "Source: region")
        case .sourceCity: ("资金来源：市级财政", "Source: city")
        case .sourceBanner: ("资金来源：旗级财政", "Source: banner")
        case .sourceSocial: ("资金来源：社会资金", "Source: social")
        case .projectCentral: ("项目资金：中央财政", "Project: central")
        case .projectRegion: ("项目资金：自治区财政", "Project: region")
        case .projectCity: ("项目资金：市级财政", "Project: city")
        case .projectBanner: ("项目资金：旗级财政", "Project: banner")
        case .projectSocial: ("项目资金：社会资金", "Project: social")
        }
    }
}

extension WorkType: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .slopeRegrading: ("削坡整形", "Slope regrading")
        case .pitBackfill: ("采坑回填", "Pit backfill")
        case .soilCover: ("覆土", "Soil cover")
        case .revegetation: ("植被恢复", "Revegetation")
        case .subsidenceFill: ("塌陷区充填", "Subsidence fill")
        case .fissureFill: ("地裂缝充填", "Fissure fill")
        case .drainage: ("排水工程", "Drainage")
        case .monitoring: ("监测", "Monitoring")
        case .other: ("其他", "Other")
        }
    }
}

extension Role: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .admin: ("管理员", "Administrator")
        case .finance: ("财务人员", "Finance")
        case .operator: ("矿山企业", "Mine operator")
        case .reviewer: ("审查人员", "Reviewer")
        case .auditor: ("审计人员", "Auditor")
        case .expert: ("专家", "Expert")
        }
    }
}

extension PlanState: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .draft: ("草稿", "Draft")
        case .submitted: ("已提交待审", "Submitted")
        case .approved: ("已批准", "Approved")
        case .returned: ("已退回", "Returned")
        }
    }
}

extension PlanAction: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .submit: ("提交", "Submit")
        case .approve: ("批准", "Approve")
        case .return: ("退回", "Return")
        }
    }
}

extension AnnualPlanState: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .draft: ("草稿", "Draft")
        case .submitted: ("已提交待审", "Submitted")
        case .approved: ("已批准", "Approved")
        case .returned: ("已退回", "Returned")
        case .revisionSubmitted: ("调整已提交待审", "Revision submitted")
        case .revisionReturned: ("调整已退回", "Revision returned")
        case .reported: ("已报告待验收", "Reported")
        case .accepted: ("已验收", "Accepted")
        case .failed: ("验收未通过", "Failed")
        }
    }
}

extension AnnualPlanAction: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .submit: ("提交", "Submit")
        case .approve: ("批准", "Approve")
        case .return: ("退回", "Return")
        case .revise: ("申请调整", "Revise")
        case .report: ("年度报告", "Report")
        case .accept: ("验收通过", "Accept")
        case .fail: ("验收不通过", "Fail")
        }
    }
}

extension ClosureState: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .draft: ("草稿", "Draft")
        case .filed: ("已申请", "Filed")
        case .underReview: ("审查中", "Under review")
        case .noticed: ("公示中", "Noticed")
        case .accepted: ("验收合格", "Accepted")
        case .rejected: ("限期整改", "Rectification required")
        }
    }
}

extension ClosureAction: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .file: ("提出申请", "File")
        case .assign: ("组建专家组", "Assign the panel")
        case .notice: ("公示", "Notice")
        case .reject: ("出具整改意见", "Reject")
        case .confirm: ("确认验收合格", "Confirm")
        }
    }
}

extension LegacyProjectState: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .draft: ("草稿", "Draft")
        case .planned: ("已立项", "Planned")
        case .approved: ("已批准", "Approved")
        case .inWorks: ("施工中", "In works")
        case .suspended: ("暂停", "Suspended")
        case .completed: ("已完工", "Completed")
        case .accepted: ("已验收", "Accepted")
        }
    }
}

extension LegacyProjectAction: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .plan: ("立项", "Plan")
        case .approve: ("批准", "Approve")
        case .start: ("开工", "Start")
        case .suspend: ("暂停", "Suspend")
        case .resume: ("复工", "Resume")
        case .complete: ("完工", "Complete")
        case .accept: ("验收", "Accept")
        }
    }
}

extension CalendarDay.Kind: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .holiday: ("节假日", "Holiday")
        case .workday: ("调休工作日", "Working day")
        }
    }
}

extension Reminder.Kind: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .waitingReview: ("待审查事项", "Waiting for review")
        case .returned: ("被退回待修改的年度计划", "Annual plans returned to revise")
        case .failed: ("验收未通过待整改的年度计划", "Annual plans failed, to rectify")
        case .annualPlanMissing: ("下一年度治理计划尚未提交的矿山", "Mines with next year's annual plan not submitted")
        case .closureDue: ("10个工作日内到期的闭坑验收", "Closure acceptances due within 10 working days")
        case .shortfall: ("欠提矿山", "Mines short of their accrual")
        case .greenDisclosureDue: ("绿色矿山上年度信息公示待提交（3月31日前）", "Green mines' disclosures of last year due by 31 March")
        case .greenDisclosureOverdue: ("逾期未公示的绿色矿山", "Green mines' disclosures overdue")
        case .monitoringMissing: ("上季度动态监测报告尚未提交的矿山", "Mines without last quarter's monitoring report")
        }
    }
}

extension GreenArea: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .legalCompliance: ("依法办矿", "Lawful operation")
        case .mineEnvironment: ("矿区环境", "Mine environment")
        case .developmentMethod: ("资源开发方式", "Development method")
        case .comprehensiveUse: ("资源综合利用", "Comprehensive use")
        case .energySaving: ("节能减排", "Energy saving and emissions")
        case .innovation: ("科技创新与智能矿山", "Innovation and smart mining")
        case .management: ("企业管理与企业形象", "Management and public image")
        }
    }
}

extension HazardKind: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .subsidence: ("地面塌陷", "Ground subsidence")
        case .fissure: ("地裂缝", "Ground fissures")
        case .landslide: ("滑坡、崩塌", "Landslides and collapses")
        case .debrisFlow: ("泥石流", "Debris flows")
        case .waterLevel: ("地下水位变化", "Water-level change")
        case .waterQuality: ("水质变化", "Water-quality change")
        case .landDamage: ("土地损毁", "Land damage")
        }
    }
}

extension GreenRemovalCause: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .decision: ("决定移出", "By decision")
        case .spotCheck: ("抽查移出", "By a spot check")
        case .closure: ("闭坑验收合格", "Closure accepted")
        case .cancellation: ("采矿证注销", "Licence cancelled")
        }
    }
}

extension GreenCheckResult: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .pass: ("合格", "Pass")
        case .rectify: ("限期整改", "Rectify")
        case .remove: ("移出名录", "Remove from the list")
        }
    }
}

extension DocumentSubject: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .plan: ("矿山地质环境保护与土地复垦方案", "Protection and reclamation plan")
        case .annualPlan: ("年度治理计划", "Annual plan")
        case .annualReport: ("年度执行情况报告", "Year-end report")
        case .closureApplication: ("闭坑验收申请", "Closure application")
        case .closureVisit: ("现场踏勘", "Site visit")
        case .closureConfirmation: ("验收合格确认书", "Acceptance confirmation")
        case .legacyNotice: ("无主认定公告", "Ownerless-site notice")
        case .legacyProject: ("历史遗留治理项目", "Legacy restoration project")
        }
    }
}

/// The audit trail's actions (`annual-plan.fail`, `fund.deposit`) and
/// targets (`annual-plan:147`, `mine:C150…`) as a person reads them: the
/// record's kind and the step, each from one table. An action no table knows
/// is shown as its code (the test of the demo's trail holds every one known).
public enum AuditLabels {
    /// The kinds of record an action or target names.
    static let subjects: [String: (zh: String, en: String)] = [
        "mine": ("矿山", "Mine"), "fund": ("基金", "Fund"), "plan": ("方案", "Plan"),
        "annual-plan": ("年度治理计划", "Annual plan"), "closure-application": ("闭坑验收", "Closure"),
        "legacy": ("历史遗留治理", "Legacy restoration"), "legacy.site": ("历史遗留图斑", "Legacy site"),
        "legacy-site": ("历史遗留图斑", "Legacy site"), "legacy.notice": ("无主认定公告", "Ownerless-site notice"),
        "legacy.project": ("历史遗留治理项目", "Legacy project"), "legacy-project": ("历史遗留治理项目", "Legacy project"),
        "accrual": ("基金计提", "Accrual"), "accrual.rules": ("计提系数", "Accrual rule set"), "rule-set": ("计提系数", "Accrual rule set"),
        "output": ("产量", "Output"), "user": ("用户", "User"), "token": ("令牌", "Token"), "session": ("登录会话", "Session"),
        "setting": ("设置", "Setting"), "calendar": ("工作日历", "Work calendar"), "merger": ("整合重组", "Merger"),
        "green": ("绿色矿山", "Green mine"), "green-draw": ("绿色矿山抽查", "Green-mine spot checks"),
        "monitoring": ("动态监测", "Monitoring"), "monitoring-event": ("应急监测事件", "Emergency event"),
        "map": ("一张图", "Map"),
    ].merging(DocumentSubject.allCases.map { ($0.rawValue, $0.labels) }, uniquingKeysWith: { first, _ in first })

    /// The steps.
    static let verbs: [String: (zh: String, en: String)] = [
        "add": ("新增", "added"), "update": ("修改", "changed"), "merge": ("整合重组", "merged"), "draft": ("起草", "drafted"),
        "submit": ("提交", "submitted"), "approve": ("批准", "approved"), "return": ("退回", "returned"),
        "accept": ("验收通过", "accepted"), "fail": ("验收不通过", "failed"), "revise": ("申请修订", "revision submitted"),
        "report": ("填报", "reported"), "file": ("提出申请", "filed"), "assign": ("组成评审组", "panel assigned"),
        "visit": ("现场踏勘", "site visit"), "vote": ("表决", "vote"), "notice": ("公告", "noticed"), "object": ("提出异议", "objection"),
        "resolve": ("处理异议", "objection resolved"), "confirm": ("确认验收", "confirmed"), "reject": ("不予通过", "rejected"),
        "plan": ("列入计划", "planned"), "start": ("开工", "started"), "suspend": ("停工", "suspended"), "resume": ("复工", "resumed"),
        "complete": ("完工", "completed"), "assess": ("核算", "assessed"), "load": ("导入", "loaded"), "import": ("导入", "imported"),
        "deposit": ("存入", "deposit"), "withdrawal": ("使用", "withdrawal"), "transfer": ("转移", "transfer"),
        "deposit-conversion": ("保证金转入", "deposit conversion"), "reverse": ("冲正", "reversal"), "release": ("闭坑返还", "released"),
        "commit": ("下达资金", "committed"), "spend": ("支付", "paid"), "checkpoint": ("检查点", "checkpoint"),
        "attach": ("上传附件", "document attached"), "disable": ("停用", "disabled"), "enable": ("启用", "enabled"),
        "password": ("设置密码", "password set"), "issue": ("签发", "issued"), "revoke": ("吊销", "revoked"),
        "open": ("开始", "opened"), "close": ("结束", "closed"), "objection": ("异议", "objection"), "set": ("设置", "set"),
        "progress": ("进度", "progress"), "add-site": ("增加图斑", "site added"),
        "remove": ("移出名录", "removed from the list"), "disclose": ("信息公示", "disclosed"), "draw": ("双随机抽取", "drawn"),
        "check": ("抽查结果", "checked"), "mines": ("调整负责矿山", "mines changed"),
        "event": ("应急事件", "emergency recorded"), "inspect": ("定期监测", "inspected"),
        "boundary": ("设置矿区范围", "boundary set"), "outline": ("导入旗界", "outline loaded"),
    ]

    /// "年度治理计划：验收不通过" for `annual-plan.fail`; the code when unknown.
    public static func action(_ code: String, _ lang: ReportLanguage) -> String {
        guard let dot = code.lastIndex(of: "."), let subject = subjects[String(code[..<dot])],
              let verb = verbs[String(code[code.index(after: dot)...])]
        else { return code }
        return lang == .zh ? "\(subject.zh)：\(verb.zh)" : "\(subject.en): \(verb.en)"
    }

    /// Whether `action` can word the code (for the test of every recorded action).
    public static func knows(_ code: String) -> Bool { action(code, .en) != code }

    /// "年度治理计划 147" for `annual-plan:147`; the code when unknown.
    public static func target(_ code: String, _ lang: ReportLanguage) -> String {
        guard let colon = code.firstIndex(of: ":"), let subject = subjects[String(code[..<colon])] else { return code }
        return "\(lang == .zh ? subject.zh : subject.en) \(code[code.index(after: colon)...])"
    }
}

/// The settings' meanings in Chinese (the catalogue in sql/functions/settings.sql
/// holds the English); a test holds every key of the catalogue to one.
public enum SettingLabels {
    public static let zh: [String: String] = [
        "closure.panel_min": "闭坑验收评审组的最少人数（含专家）",
        "closure.experts_min": "评审组中专家的最少人数",
        "closure.notice_days": "闭坑初步验收结果公告的天数（自然日）",
        "legacy.notice_days": "历史遗留无主认定公告的最短天数（自然日）",
        "conversion.kg_per_m3.construction-sand": "建筑用砂产量由吨换算为立方米的堆积密度（千克/立方米）",
        "conversion.kg_per_m3.sand-and-gravel": "砂石产量由吨换算为立方米的堆积密度（千克/立方米）",
        "conversion.kg_per_m3.building-stone": "建筑石料产量由吨换算为立方米的堆积密度（千克/立方米）",
        "dashboard.idle_minutes": "网页登录闲置多少分钟后失效",
        "dashboard.lock_minutes": "连续五次密码错误后锁定的分钟数",
        "documents.max_bytes": "单个附件的最大字节数（默认 10 MiB，最多 50 MiB）",
    ]

    public static func meaning(_ setting: Setting, _ lang: ReportLanguage) -> String {
        lang == .zh ? zh[setting.key] ?? setting.meaning : setting.meaning
    }
}

extension ClosureCheck: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .noApprovedPlan: ("有经批准的矿山地质环境保护与土地复垦方案", "An approved protection and reclamation plan")
        case .reclamationRate: ("土地复垦率达到方案目标（总体及各地类）", "Reclamation rate at the plan's target, overall and per land type")
        case .annualPlanNotAccepted: ("各年度治理计划均已验收", "Every annual plan accepted")
        case .obligationOpen: ("无未履行的整改义务", "No open obligation")
        case .accrualShortfall: ("基金已按核定额足额提取", "Deposits cover every assessed accrual")
        case .outputMissing: ("各生产年度均已填报产量", "Output reported for every year produced")
        case .alreadyClosed: ("尚未闭坑验收或返还基金", "Not accepted or released already")
        }
    }
}

extension VerifyStep: Labelled {
    public var labels: (zh: String, en: String) {
        switch self {
        case .entries: ("核对每笔分录的哈希", "Each entry's hash")
        case .postings: ("核对每个账户的链与余额", "Each account's chain and balance")
        case .balances: ("核对借贷平衡与年度余额", "Balanced entries and yearly balances")
        case .audit: ("核对审计链", "The audit chains")
        case .entryAudits: ("核对分录与审计记录的对应", "Each entry's audit record")
        }
    }
}

extension Labelled {
    /// This enumeration's labels for a report's column of its codes.
    public static var labeler: ReportLabeler { { code, lang in Self(rawValue: code)?.label(lang) ?? code } }
}

/// The words a report's rows use besides enumeration codes: its groups and
/// totals (`class:solid-energy`, `region:150621`, `total`) and yes / no.
public enum ReportRowLabels {
    static let words: [String: (zh: String, en: String)] = [
        "total": ("合计", "Total"), "without_plan": ("无方案的矿山", "Mines without a plan"),
        "legacy": ("历史遗留治理", "Legacy restoration"), "banner": ("全旗", "The banner"),
        "true": ("是", "yes"), "false": ("否", "no"), "sites": ("图斑", "Sites"),
        "missing": ("未提交", "Not submitted"),
        // a legacy site's notice (无主认定公告)
        "none": ("未公告", "No notice"), "open": ("公告中", "Notice open"), "ownerless": ("认定无主", "Ownerless"),
        "owner-found": ("找到权利人", "Owner found"),
    ]

    /// A row's first cell: a licence as it is, a group by its label.
    public static let group: ReportLabeler = { code, lang in
        if let w = words[code] { return lang == .zh ? w.zh : w.en }
        if code.hasPrefix("class:") {
            let c = String(code.dropFirst(6))
            return (lang == .zh ? "矿种类别：" : "Class: ") + (MineralClass(rawValue: c)?.label(lang) ?? c)
        }
        if code.hasPrefix("region:") { return (lang == .zh ? "行政区划：" : "Region: ") + code.dropFirst(7) }
        if code.hasPrefix("source:") {
            let s = String(code.dropFirst(7))
            return (lang == .zh ? "资金来源：" : "Source: ") + (FundingSource(rawValue: s)?.label(lang) ?? s)
        }
        if code.hasPrefix("project:") { return (lang == .zh ? "项目 " : "Project ") + code.dropFirst(8) }
        return code
    }

    /// A state: an annual plan's (or missing), a legacy project's, or a legacy site's notice.
    public static let state: ReportLabeler = { code, lang in
        if let s = AnnualPlanState(rawValue: code) { return s.label(lang) }
        if let s = LegacyProjectState(rawValue: code) { return s.label(lang) }
        return words[code].map { lang == .zh ? $0.zh : $0.en } ?? code
    }

    /// true / false as 是 / 否.
    public static let yesNo: ReportLabeler = { code, lang in words[code].map { lang == .zh ? $0.zh : $0.en } ?? code }
}
