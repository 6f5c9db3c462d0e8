package dev.tally.inspect;

import dev.tally.platform.BadRequestException;
import dev.tally.security.Allowed;
import dev.tally.security.CurrentCaller;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * GET /events/{fingerprint}: a stored canonical event with the raw rows behind it. It shares its path prefix with
 * ingest's POST /events but is inspection, like GET /raw-events, so it lives here.
 */
@Path("/events/{fingerprint}")
// The tag ingest.EventResource gets by its name: /events stays one group in the OpenAPI document.
@Tag(name = "Event Resource")
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
@Allowed({Role.READ, Role.ADMIN})
public class EventLookupResource {

  @Inject EventQueries queries;
  @Inject CurrentCaller caller;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Look up a canonical event by fingerprint",
      description = "Returns the canonical event, the raw rows that resolved to it and the mapping version used.")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "event", value = InspectExamples.EVENT_VIEW)))
  @APIResponse(responseCode = "404", description = "No such event for this client")
  public Uni<EventView> find(@PathParam("fingerprint") String fingerprint, @QueryParam("clientId") String clientId) {
    if (clientId == null || clientId.isBlank()) {
      throw new BadRequestException("clientId", "clientId is required: fingerprints are unique per client");
    }
    return queries.findEvent(clientId, fingerprint, caller.get().readScope());
  }
}
