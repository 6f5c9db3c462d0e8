package dev.tally.mapping;

import dev.tally.normalize.Quote;
import dev.tally.platform.NotFoundException;
import dev.tally.security.Allowed;
import dev.tally.security.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Mapping presets for analytics SDK wire formats: static, the same on every replica, readable with any key. */
@Path("/mapping-presets")
@Produces(MediaType.APPLICATION_JSON)
// Its methods are read reflectively by platform.QueryParameterFilter and security.AuthFilter, in the native executable too.
@RegisterForReflection(fields = false)
// Every role: static documentation of Tally itself, the same for every client and replica — no client's data, nothing
// secret, nothing that changes state. Whoever wires an SDK to Tally, often holding only an ingest key, needs to know
// which fields a preset reads.
@Allowed({Role.INGEST, Role.READ, Role.ADMIN})
public class MappingPresetResource {

  @GET
  @NonBlocking
  @Operation(summary = "The mapping presets",
      description = "Each preset's base definition, without an amount: a PUT /clients/{clientId}/mapping naming the preset "
          + "must give fields.amount. Any API key may read them (ingest, read, admin).")
  @APIResponse(responseCode = "200",
      content = @Content(examples = @ExampleObject(name = "presets", value = MappingExamples.PRESETS)))
  public MappingPresetList all() {
    return new MappingPresetList(MappingPresets.all());
  }

  @GET
  @Path("/{name}")
  @NonBlocking
  @Operation(summary = "One mapping preset", description = "Any API key may read it (ingest, read, admin).")
  @APIResponse(responseCode = "200",
      content = @Content(examples = @ExampleObject(name = "segment", value = MappingExamples.PRESET)))
  @APIResponse(responseCode = "404", description = "No preset of that name (problem+json naming the known ones)")
  public MappingPreset one(@PathParam("name") String name) {
    return MappingPresets.named(name).orElseThrow(() -> new NotFoundException(
        "no mapping preset is named " + Quote.cut(name)
            + "; known presets: " + String.join(", ", MappingPresets.names())));
  }
}
