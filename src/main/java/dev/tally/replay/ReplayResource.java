package dev.tally.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.platform.BadRequestException;
import dev.tally.security.Allowed;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Replays of stored raw events through the client's current mapping. */
@Path("/replays")
@Produces(MediaType.APPLICATION_JSON)
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
@Allowed(Role.ADMIN)
public class ReplayResource {

  @Inject ReplayService replays;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Start a replay",
      description = "Normalizes a client's stored raw events (by default the rejected ones) again with its current mapping. "
          + "Fingerprints make it idempotent: replaying twice never counts an event twice.")
  @RequestBody(content = @Content(schema = @Schema(implementation = ReplayRequest.class),
      examples = @ExampleObject(name = "rejected since the mapping fix", value = ReplayExamples.REQUEST)))
  @APIResponse(responseCode = "202", description = "Replay started",
      content = @Content(examples = @ExampleObject(name = "started", value = ReplayExamples.STARTED)))
  @APIResponse(responseCode = "400", description = "Invalid request (problem+json naming every problem)")
  @APIResponse(responseCode = "409", description = "A replay of this client is already running")
  public Uni<Response> start(JsonNode body) {
    return replays.start(ReplayRequest.from(body))
        .map(view -> Response.accepted(view).location(URI.create("/replays/" + view.id())).build());
  }

  @GET
  @Path("/{id}")
  @Operation(summary = "A replay's progress")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "finished", value = ReplayExamples.FINISHED)))
  @APIResponse(responseCode = "404", description = "No such replay")
  public Uni<ReplayView> find(@PathParam("id") String id) {
    try {
      return replays.find(Long.parseLong(id));
    } catch (NumberFormatException e) {
      throw new BadRequestException("id", "a replay id is a number");
    }
  }
}
