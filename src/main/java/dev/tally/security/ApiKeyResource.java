package dev.tally.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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

/** API keys (admin only): create (the secret is shown once), list (never a secret), revoke. */
@Path("/keys")
@Produces(MediaType.APPLICATION_JSON)
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
@Allowed(Role.ADMIN)
public class ApiKeyResource {

  @Inject ApiKeyService keys;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(summary = "Create an API key",
      description = "The response is the only place the secret ever appears: only its SHA-256 is stored. "
          + "Every replica accepts the key within moments (NOTIFY).")
  @RequestBody(content = @Content(schema = @Schema(implementation = KeyRequest.class), examples = {
      @ExampleObject(name = "ingest", value = KeyExamples.INGEST_REQUEST),
      @ExampleObject(name = "read", value = KeyExamples.READ_REQUEST)}))
  @APIResponse(responseCode = "201", description = "Created; the secret is in key",
      content = @Content(examples = @ExampleObject(name = "created", value = KeyExamples.CREATED)))
  @APIResponse(responseCode = "400", description = "Invalid request (problem+json with every error); nothing created")
  public Uni<Response> create(JsonNode body) {
    return keys.create(KeyRequest.from(body)).map(created -> Response.created(URI.create("/keys/" + created.id())).entity(created).build());
  }

  @GET
  @Operation(summary = "List API keys", description = "Every key, revoked ones included, oldest first; never a secret.")
  @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "keys", value = KeyExamples.LIST)))
  public Uni<ApiKeyList> list() {
    return keys.list();
  }

  @DELETE
  @Path("/{id}")
  @Operation(summary = "Revoke an API key",
      description = "Every replica refuses the key within moments (NOTIFY; at most tally.security.key-cache-ttl should a "
          + "notification be lost). Revoking again is harmless; the key stays listed with revokedAt.")
  @APIResponse(responseCode = "200", description = "Revoked",
      content = @Content(examples = @ExampleObject(name = "revoked", value = KeyExamples.REVOKED)))
  @APIResponse(responseCode = "404", description = "No such key")
  public Uni<ApiKey> revoke(@PathParam("id") String id) {
    return keys.revoke(id);
  }
}
