public import PQKit

extension Closures {
    /// The closure steps as commands, each with its policy (ClosurePolicy).
    public enum Commands {
        public static func apply(_ license: String, evidence: [String], note: String?) -> Command<ClosureApplication> {
            Command(ClosurePolicy.apply((try? Identifier.license(license)) ?? license)) { actor, conn in
                try Closures.apply(license, evidence: evidence, note: note, by: actor, on: conn)
            }
        }

        public static func assignPanel(_ id: Int64, members: [String]) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in try Closures.assignPanel(id, members: members, by: actor, on: conn) }
        }

        public static func recordVisit(_ id: Int64, date: CalendarDate, participants: [String], checked: Area,
                                       finding: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in
                try Closures.recordVisit(id, date: date, participants: participants, checked: checked, finding: finding,
                                         by: actor, on: conn)
            }
        }

        public static func vote(_ id: Int64, pass: Bool, opinion: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.vote) { actor, conn in try Closures.vote(id, pass: pass, opinion: opinion, by: actor, on: conn) }
        }

        public static func object(_ id: Int64, raisedBy: String, contact: String, text: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.object) { actor, conn in
                try Closures.object(id, raisedBy: raisedBy, contact: contact, text: text, by: actor, on: conn)
            }
        }

        public static func resolve(_ id: Int64, objection: Int64, upheld: Bool, reason: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in
                try Closures.resolve(id, objection: objection, upheld: upheld, reason: reason, by: actor, on: conn)
            }
        }

        public static func confirm(_ id: Int64, number: String) -> Command<ClosureApplication> {
            Command(ClosurePolicy.review) { actor, conn in try Closures.confirm(id, number: number, by: actor, on: conn) }
        }
    }
}
