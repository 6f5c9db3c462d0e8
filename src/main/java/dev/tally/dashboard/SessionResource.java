package dev.tally.dashboard;

import dev.tally.outcome.OutcomeRepository;
import dev.tally.security.Allowed;
import dev.tally.security.Caller;
import dev.tally.security.CurrentCaller;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** GET /session: what the presented key may see (the dashboard's sign-in). */
@Path("/session")
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
public class SessionResource {

  static final String EXAMPLE = """
      {"keyId": "key_3f9a1c2b7d4e", "role": "read", "scoped": true, "clients": ["shop_42"]}""";

  @Inject CurrentCaller caller;
  @Inject OutcomeRepository outcomes;

  @GET
  @Allowed({Role.READ, Role.ADMIN})
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "The presented key and the clients it may read",
      description = "A read key limited to clients lists them; an admin key or a read key for every client lists every "
          + "client that has received events.")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "read key", value = EXAMPLE)))
  public Uni<SessionView> get() {
    Caller who = caller.get();
    if (who.readScope() != null) {
      return Uni.createFrom().item(new SessionView(who.keyId(), who.role().value(), true, who.readScope()));
    }
    return outcomes.clients().map(clients -> new SessionView(who.keyId(), who.role().value(), false, clients));
  }
}
