import Reclaim

/// The dashboard's language: Chinese by default, English by a switch that a
/// cookie remembers.
enum DashboardLanguage: String, Sendable, CaseIterable {
    case zh, en

    var htmlTag: String { self == .zh ? "zh-CN" : "en" }

    /// The same language for the domain's labels and files.
    var report: ReportLanguage { self == .zh ? .zh : .en }
}

/// Every label of the dashboard in both languages, in one table, so that no
/// page mixes them (a test holds every key to both).
enum Messages {
    static let table: [String: (zh: String, en: String)] = [
        // frame
        "app": ("矿山地质环境治理恢复基金监管", "Reclaim: mine restoration funds"),
        "skip": ("跳到正文", "Skip to content"),
        "nav": ("主菜单", "Main menu"),
        "home": ("总览", "Overview"),
        "overview_as_of": ("以下为全旗截至 {time}（北京时间）的数据：矿山数量多，总览在后台计算，至多每 {seconds} 秒更新一次；报表为实时数据。",
                           "Figures as of {time} (Beijing time): with this many mines the overview is computed in the background and refreshed at most every {seconds} seconds; the reports are live."),
        "mines": ("矿山", "Mines"),
        "queue": ("待审队列", "Review queue"),
        "deposit": ("存入", "Deposit"),
        "withdrawal": ("使用", "Withdrawal"),
        "legacy": ("历史遗留矿山", "Legacy sites"),
        "reports": ("报表", "Reports"),
        "audit": ("审计日志", "Audit trail"),
        "signed_in_as": ("当前用户", "Signed in as"),
        "sign_out": ("退出", "Sign out"),
        "switch_language": ("English", "中文"),
        "language": ("语言", "Language"),
        // roles
        // sign-in
        "sign_in": ("登录", "Sign in"),
        "user_name": ("用户名", "User name"),
        "password": ("密码", "Password"),
        "wrong_password": ("用户名或密码不正确。", "The user name or password is wrong."),
        "locked": ("连续五次登录失败，该用户名已锁定 15 分钟，请稍后再试。",
                   "Five failed sign-ins in a row: this name is locked for 15 minutes. Try again later."),
        "sign_in_busy": ("登录请求过多，请稍候几秒再试。", "Too many sign-ins at the moment; please try again in a few seconds."),
        "signed_out": ("您已退出。", "You are signed out."),
        "session_expired": ("会话已结束，请重新登录。", "Your session has ended; please sign in again."),
        // home
        "fund_total": ("基金余额合计", "All funds' balance"),
        "deposits_year": ("本年存入", "Deposited this year"),
        "withdrawals_year": ("本年使用", "Withdrawn this year"),
        "shortfall_count": ("欠提矿山", "Mines short of their accrual"),
        "shortfalls_intro": ("截至 {year} 年底，累计核定计提额高于累计存入额的矿山（单位：元）。",
                             "Mines whose accruals assessed up to the end of {year} exceed what they deposited (yuan)."),
        "assessed_year": ("本年核定额", "Assessed this year"), "deposited_year": ("本年存入", "Deposited this year"),
        "shortfall_year": ("本年欠提", "Short this year"), "assessed_total": ("累计核定额", "Assessed in all"),
        "deposited_total": ("累计存入", "Deposited in all"), "shortfall_total": ("累计欠提", "Short in all"),
        "waiting": ("待审事项", "Waiting for review"),
        "closures_overdue": ("超期闭坑验收", "Closure acceptances overdue"),
        "treated_vs_target": ("土地复垦率（目标 100%）", "Land reclamation rate (target 100 %)"),
        "treated_area": ("治理面积（公顷）", "Treated area (hm²)"),
        "chart_title": ("近六年存入、使用与治理面积", "Deposits, withdrawals and treated area, last six years"),
        "chart_money": ("存入与使用（万元）", "Deposits and withdrawals (10,000 yuan)"),
        "yuan": ("元", "yuan"),
        "hm2": ("公顷", "hm²"),
        // mines
        "search": ("搜索", "Search"),
        "search_label": ("许可证号或名称", "Licence or name"),
        "license": ("采矿许可证号", "Licence"),
        "name": ("名称", "Name"),
        "holder": ("采矿权人", "Holder"),
        "mineral": ("矿种", "Mineral"),
        "scale": ("规模", "Scale"),
        "method": ("开采方式", "Method"),
        "status": ("状态", "Status"),
        "area": ("面积（公顷）", "Area (hm²)"),
        "balance": ("基金余额（元）", "Fund balance (yuan)"),
        "previous": ("上一页", "Previous"),
        "next": ("下一页", "Next"),
        "page": ("页", "page"),
        "no_mines": ("没有符合条件的矿山。", "No mine matches."),
        "registry": ("登记信息", "Registry"),
        "history": ("变更记录", "Change history"),
        "field": ("字段", "Field"), "old_value": ("原值", "Old value"), "new_value": ("新值", "New value"),
        "changed_at": ("时间", "When"), "changed_by": ("操作人", "By"),
        "obligations": ("未完成义务", "Open obligations"),
        "none": ("无", "None"),
        "statement": ("基金明细", "Fund statement"),
        "from": ("起始日期", "From"), "to": ("截止日期", "To"),
        "filter": ("筛选", "Filter"),
        "download_csv": ("下载 CSV", "Download CSV"),
        "entry": ("编号", "Entry"), "kind": ("类型", "Kind"), "value_date": ("记账日期", "Value date"),
        "amount": ("金额（元）", "Amount (yuan)"), "balance_after": ("余额（元）", "Balance (yuan)"),
        "reference": ("凭证号", "Reference"), "memo": ("摘要", "Memo"), "annual_plan": ("年度计划", "Annual plan"),
        "opening_balance": ("期初余额", "Opening balance"), "closing_balance": ("期末余额", "Closing balance"),
        "plans": ("保护与复垦方案", "Protection and reclamation plans"),
        "version": ("版本", "Version"), "state": ("状态", "State"), "service_period": ("服务期", "Service period"),
        "cost_total": ("费用估算（元）", "Cost estimate (yuan)"),
        "annual_plans": ("年度治理计划", "Annual plans"),
        "year": ("年度", "Year"), "budget": ("预算（元）", "Budget (yuan)"),
        "closure": ("闭坑验收", "Closure acceptance"),
        "filed_on": ("申请日期", "Filed on"), "due_date": ("验收期限", "Due date"),
        "due_provisional": ("暂定：当年节假日安排未载入", "provisional: no holiday schedule loaded"),
        "working_days_left": ("剩余工作日", "Working days left"),
        "edit_annual_plan": ("编辑年度计划", "Edit annual plan"),
        "report_annual_plan": ("填报完成情况", "Report the work done"),
        // queue
        "queue_empty": ("没有待审事项。", "Nothing is waiting."),
        "waiting_since": ("等待自", "Waiting since"),
        "approve": ("批准", "Approve"), "return": ("退回", "Return"),
        "reason": ("退回理由", "Reason for returning"),
        "accept": ("验收通过", "Accept"), "fail": ("验收不通过", "Fail"),
        "items": ("整改事项（每行一项）", "Rectification items (one per line)"),
        "vote_pass": ("同意", "Pass"), "vote_fail": ("不同意", "Fail"),
        "opinion": ("评审意见", "Opinion"),
        "vote": ("投票", "Vote"),
        "decided": ("已处理。", "Done."),
        // money forms
        "deposit_title": ("登记基金存入", "Record a deposit"),
        "withdrawal_title": ("登记基金使用", "Record a withdrawal"),
        "mine": ("矿山", "Mine"),
        "choose": ("请选择", "Choose"),
        "annual_plan_budget": ("年度计划（剩余预算）", "Annual plan (budget left)"),
        "remaining": ("剩余", "left"),
        "no_annual_plans": ("没有可支付的已批准年度计划。", "No approved annual plan can be paid."),
        "save": ("保存", "Save"),
        "booked": ("已记账，分录编号", "Booked as entry"),
        "replayed": ("此表单已提交过，未重复记账；分录编号", "This form was already sent and nothing was booked twice: entry"),
        // annual plan editor
        "works": ("工程", "Works"),
        "works_in_force": ("现行工程", "Works in force"),
        "revision_asked": ("申请调整为", "Revision asked for"),
        "was": ("原为", "was"), "removed": ("调整后删除", "removed by the revision"),
        "year_end_report": ("年度报告：完成情况", "Year-end report: what was done"),
        "done": ("完成", "Done"), "planned_measure": ("计划工程量", "Planned"), "evidence_ids": ("证明材料", "Evidence"),
        "confirm_title": ("请确认", "Please confirm"),
        "confirm_question": ("以 {who} 的名义{action}：{record}？", "{action} {record}, in the name of {who}?"),
        "you_wrote": ("您填写的内容：", "What you wrote:"),
        "confirm": ("确认", "Confirm"), "cancel": ("取消", "Cancel"),
        "returned_because": ("退回原因", "Why it was returned"),
        "failed_because": ("验收未通过的原因", "Why acceptance failed"),
        "rectifications": ("整改事项", "Items to rectify"),
        "review_history": ("审查记录", "Review history"),
        "decided_at": ("时间（北京时间）", "When (Beijing time)"),
        "decided_by": ("操作人", "By"),
        "has_geometry": ("已有坐标（保存时保留）", "Has coordinates (kept when saved)"),
        "work_type": ("工程类型", "Type"), "location": ("位置", "Location"),
        "area_hm2": ("面积（公顷）", "Area (hm²)"), "quantity": ("工程量", "Quantity"), "unit": ("单位", "Unit"),
        "start_month": ("开始月份", "Start month"), "end_month": ("结束月份", "End month"),
        "remove": ("删除", "Remove"),
        "add_work": ("增加一行", "Add a work"),
        "save_draft": ("保存草稿", "Save draft"),
        "submit": ("提交审查", "Submit for review"),
        "submitted": ("已提交审查。", "Submitted for review."),
        "saved": ("已保存。", "Saved."),
        "not_editable": ("该年度计划当前状态不可编辑。", "This annual plan cannot be edited in its state."),
        "spent": ("支出（元）", "Spent (yuan)"),
        "evidence": ("证明材料编号（逗号分隔）", "Evidence ids (comma-separated)"),
        "send_report": ("提交完成情况", "Send the report"),
        "reported": ("已填报。", "Reported."),
        // legacy, reports, audit
        "sites": ("图斑", "Sites"), "projects": ("治理项目", "Projects"),
        "code": ("图斑编号", "Code"), "township": ("乡镇", "Township"), "notice_state": ("公示状态", "Notice"),
        "treated": ("已治理（公顷）", "Treated (hm²)"), "committed": ("已拨付（元）", "Committed (yuan)"),
        "planned": ("计划资金（元）", "Planned (yuan)"),
        "report_fund": ("基金年度报表", "Fund report"),
        "report_restoration": ("治理恢复报表", "Restoration report"),
        "report_annual_plans": ("年度计划报表", "Annual plans report"),
        "report_closure": ("闭坑验收报表", "Closure report"),
        "report_legacy": ("历史遗留报表", "Legacy report"),
        "report_targets": ("规划指标", "Master plan targets"),
        "download_zh": ("CSV（中文表头）", "CSV (Chinese headings)"),
        "download_en": ("CSV（英文表头）", "CSV (English headings)"),
        "at": ("时间", "At"), "actor": ("操作人", "Actor"), "action": ("操作", "Action"), "target": ("对象", "Target"),
        "older": ("更早", "Older"),
        // errors
        "error": ("出错了", "Something went wrong"),
        "forbidden": ("您无权查看此页面。", "You may not see this page."),
        "not_found": ("页面不存在。", "There is no such page."),
        "bad_request": ("请求有误。", "The request is not valid."),
        "csrf": ("表单已过期，请刷新页面后重试。", "The form has expired; reload the page and try again."),
        "unavailable": ("服务暂时不可用，请稍后再试。", "The service is unavailable; try again shortly."),
        "back_home": ("返回总览", "Back to the overview"),
        "fix_below": ("请修改下列标出的内容。", "Please correct what is marked below."),
    ]

    static func strings(_ lang: DashboardLanguage) -> [String: String] {
        table.mapValues { lang == .zh ? $0.zh : $0.en }
    }

    static func text(_ key: String, _ lang: DashboardLanguage) -> String {
        guard let entry = table[key] else { return key }
        return lang == .zh ? entry.zh : entry.en
    }
}
