import Hummingbird
import Reclaim

/// GET /v1/me: who the token acts as; `reclaim login` checks a token with it.
struct IdentityController {
    func register(_ routes: Routes) {
        routes.api(.get, "/me") { _, context in
            try jsonResponse(Identity(try context.requirePrincipal()))
        }
    }
}
