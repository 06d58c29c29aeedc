public import PQKit

extension MineRegistry {
    /// The registry's changes as commands, each with its policy (`MinePolicy`).
    public enum Commands {
        public static func add(_ new: NewMine) -> Command<Mine> {
            Command(MinePolicy.manage) { actor, conn in try MineRegistry.add(new, by: actor, on: conn) }
        }

        public static func update(_ license: String, _ change: MineUpdate) -> Command<MineUpdateResult> {
            Command(MinePolicy.manage) { actor, conn in try MineRegistry.update(license, change, by: actor, on: conn) }
        }

        /// A merger (整合重组) of `from`'s mining right into `into`'s.
        public static func merge(from: String, into: String, approvedOn: CalendarDate, document: String) -> Command<Merger> {
            Command(MinePolicy.manage) { actor, conn in
                try Mergers.record(from: from, into: into, approvedOn: approvedOn, document: document, by: actor, on: conn)
            }
        }
    }
}
