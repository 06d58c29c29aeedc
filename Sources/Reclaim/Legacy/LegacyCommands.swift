public import PQKit

extension LegacySites {
    /// The survey's and the notices' actions as commands (`LegacyPolicy`).
    public enum Commands {
        public static func add(_ site: NewSite) -> Command<LegacySite> {
            Command(LegacyPolicy.manage) { actor, conn in try LegacySites.add(site, by: actor, on: conn) }
        }

        /// A survey file, all or nothing; how many sites it added.
        public static func importCSV(path: String) -> Command<Int> {
            Command(LegacyPolicy.manage) { actor, conn in try LegacySites.importCSV(path: path, by: actor, on: conn) }
        }

        public static func openNotice(_ code: String, days: Int?, start: CalendarDate?) -> Command<LegacySite> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacySites.openNotice(code, days: days, start: start, by: actor, on: conn)
            }
        }

        public static func objection(_ code: String, text: String) -> Command<LegacySite> {
            Command(LegacyPolicy.object) { actor, conn in try LegacySites.objection(code, text: text, by: actor, on: conn) }
        }

        public static func closeNotice(_ code: String, outcome: String, owner: String?) -> Command<LegacySite> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacySites.closeNotice(code, outcome: outcome, owner: owner, by: actor, on: conn)
            }
        }
    }
}

extension LegacyProjects {
    /// A project's actions as commands: its steps with their policy from the
    /// workflow's table (`LegacyPolicy.step`), the rest `LegacyPolicy`'s.
    public enum Commands {
        public static func add(name: String, approval: String, contractor: String, budget: [FundingSource: Money])
            -> Command<LegacyProject> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacyProjects.add(name: name, approval: approval, contractor: contractor, budget: budget, by: actor, on: conn)
            }
        }

        public static func addSite(_ id: Int64, code: String) -> Command<LegacyProject> {
            Command(LegacyPolicy.manage) { actor, conn in try LegacyProjects.addSite(id, code: code, by: actor, on: conn) }
        }

        public static func step(_ id: Int64, _ action: LegacyProjectAction, opinion: String? = nil) -> Command<LegacyProject> {
            Command(LegacyPolicy.step(action)) { actor, conn in
                try LegacyProjects.step(id, action, opinion: opinion, by: actor, on: conn)
            }
        }

        /// Money committed to or paid from the project, booked by finance.
        public static func book(_ kind: EntryKind, project id: Int64, source: FundingSource, _ booking: Booking, work: String?)
            -> Command<BookingResult> {
            Command(FundPolicy.book) { actor, conn in
                try LegacyProjects.book(kind, project: id, source: source, booking, work: work, by: actor, on: conn)
            }
        }

        public static func progress(_ id: Int64, code: String, area: Area, on date: CalendarDate, evidence: [String])
            -> Command<LegacyProject> {
            Command(LegacyPolicy.manage) { actor, conn in
                try LegacyProjects.progress(id, code: code, area: area, on: date, evidence: evidence, by: actor, on: conn)
            }
        }
    }
}
