package dev.tally.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.normalize.Normalizer;
import dev.tally.platform.BadRequestException;
import dev.tally.security.Allowed;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Per-client mappings: immutable, numbered versions. */
@Path("/clients/{clientId}/mapping")
@Produces(MediaType.APPLICATION_JSON)
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
@Allowed(Role.ADMIN)
public class MappingResource {

  @Inject MappingService mappings;

  @PUT
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Store a new mapping version",
      description = "Validates the whole definition first; an invalid one is answered 400 naming every problem and nothing is stored. "
          + "A definition identical to the current version creates no new version (200). "
          + "\"preset\" (see GET /mapping-presets) starts from an SDK's field names; the body's own parts are applied "
          + "over it (fields per field, null removes a part) and fields.amount is required. What is stored is the "
          + "expanded, ordinary definition.")
  @RequestBody(content = @Content(examples = {
      @ExampleObject(name = "legacy shop", value = MappingExamples.DEFINITION),
      @ExampleObject(name = "segment preset", value = MappingExamples.PRESET_DEFINITION)}))
  @APIResponse(responseCode = "201", description = "New version stored",
      content = @Content(examples = {
          @ExampleObject(name = "created", value = MappingExamples.VERSION),
          @ExampleObject(name = "created from a preset", value = MappingExamples.PRESET_VERSION)}))
  @APIResponse(responseCode = "200", description = "Identical to the current version; nothing new stored")
  @APIResponse(responseCode = "400", description = "Invalid definition (problem+json with every error)",
      content = @Content(examples = {
          @ExampleObject(name = "invalid", value = MappingExamples.INVALID),
          @ExampleObject(name = "preset without amount", value = MappingExamples.PRESET_WITHOUT_AMOUNT),
          @ExampleObject(name = "unknown preset", value = MappingExamples.UNKNOWN_PRESET)}))
  public Uni<Response> put(@PathParam("clientId") String clientId, JsonNode definition) {
    validClientId(clientId);
    return mappings.save(clientId, definition)
        .map(saved -> Response.status(saved.created() ? 201 : 200).entity(saved.version()).build());
  }

  @GET
  @Operation(summary = "The current mapping version")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "current", value = MappingExamples.VERSION)))
  @APIResponse(responseCode = "404", description = "The client has no mapping: its events follow the default rules")
  public Uni<MappingVersion> current(@PathParam("clientId") String clientId) {
    validClientId(clientId);
    return mappings.current(clientId);
  }

  @GET
  @Path("/versions")
  @Operation(summary = "Every mapping version, oldest first")
  public Uni<MappingVersions> versions(@PathParam("clientId") String clientId) {
    validClientId(clientId);
    return mappings.versions(clientId);
  }

  private static void validClientId(String clientId) {
    if (!Normalizer.isClientId(clientId)) {
      throw new BadRequestException("clientId", "clientId must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
  }
}
