package dev.tally.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.ingest.BodyDecoder;
import dev.tally.ingest.SentContentType;
import dev.tally.platform.AnyQueryParameters;
import dev.tally.platform.BodyLimitFilter;
import dev.tally.platform.TallyConfig;
import dev.tally.security.Allowed;
import dev.tally.security.CrossOrigin;
import dev.tally.security.KeyMayBeInBody;
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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * What posthog-js asks before it captures ({@code api_host} pointed at Tally): its remote configuration, as JSON and
 * as the script that preloads it, and its feature flags. Tally answers capture only: no feature flags, no session
 * recording, no surveys (the member left out, which posthog-js reads as "not loaded yet"), no heatmaps, no site apps, autocapture and exception autocapture off, both of posthog-js'
 * compressions supported. Nothing is stored.
 */
@Tag(name = "SDK: PostHog")
@Path("/")
@Consumes(MediaType.WILDCARD)
@AnyQueryParameters
@Allowed(Role.INGEST)
// The project API key is in the path (config) or the body (flags).
@KeyMayBeInBody
@CrossOrigin
@RegisterForReflection(fields = false)
public class PostHogConfigResource {

  @Inject SdkConfigs configs;
  @Inject SdkIngest sdk;
  @Inject EnvelopeParser envelopes;
  @Inject TallyConfig config;
  @Inject SentContentType sent;

  @GET
  @Path("/array/{key}/config")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "posthog-js' remote configuration", description = "The project API key (a Tally ingest key) in the path.")
  @APIResponse(responseCode = "200", description = "Capture only: flags, recording, surveys and autocapture off")
  @APIResponse(responseCode = "401", description = "Unknown or revoked key")
  @APIResponse(responseCode = "403", description = "Not an ingest key, or the page's origin is not among the key's allowedOrigins")
  public Uni<Response> config(@PathParam("key") String key) {
    return configs.answer(Protocol.POSTHOG, key, PostHogConfigResource::remoteConfig);
  }

  @GET
  @Path("/array/{key}/config.js")
  @Produces("application/javascript")
  @Operation(summary = "posthog-js' remote configuration as the script that preloads it",
      description = "Sets window._POSTHOG_REMOTE_CONFIG[key] = {config, siteApps: []}; loaded with a script tag.")
  public Uni<Response> configScript(@PathParam("key") String key) {
    return configs.answer(Protocol.POSTHOG, key, "application/javascript", () -> script(key.strip()));
  }

  @POST
  @Path("/{route: flags|decide}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "posthog-js' feature flags (/flags/?v=2, and the older /decide/)",
      description = "The key as token (or api_key) in the body, plain, gzip-js or base64 form. No flags; nothing stored.")
  @APIResponse(responseCode = "200", description = "No flags")
  @APIResponse(responseCode = "400", description = "The body cannot be read, so neither can its key")
  public Uni<Response> flags(
      @PathParam("route") @Parameter(schema = @Schema(enumeration = {"flags", "decide"})) String route,
      @QueryParam("compression") String compression, @Context HttpHeaders headers, byte[] body) {
    String encoding = headers.getHeaderString(HttpHeaders.CONTENT_ENCODING);
    if ((encoding == null || encoding.isBlank()) && ("gzip-js".equalsIgnoreCase(compression) || SdkIngest.gzipMagic(body))) {
      encoding = "gzip";
    }
    BodyDecoder.Result decoded = BodyDecoder.decode(body, encoding, config.ingest().maxBodyBytes());
    if (decoded instanceof BodyDecoder.TooLarge tooLarge) {
      return Uni.createFrom().item(BodyLimitFilter.tooLarge(tooLarge.receivedBytes(), tooLarge.limit()));
    }
    if (decoded instanceof BodyDecoder.Decoded d) {
      decoded = PostHogForm.decode(d.bytes());
    }
    String key = null;
    String unreadable;
    if (decoded instanceof BodyDecoder.Decoded d) {
      Unpacker.Result unpacked = Unpacker.unpack(Protocol.POSTHOG, "/" + route,
          envelopes.parse(d.bytes(), sent.or(headers.getHeaderString(HttpHeaders.CONTENT_TYPE))));
      key = unpacked instanceof Unpacker.Unpacked u ? u.key() : null;
      unreadable = unpacked instanceof Unpacker.Unreadable u ? u.message() : null;
    } else {
      unreadable = ((BodyDecoder.Undecodable) decoded).message();
    }
    return sdk.authenticated(Protocol.POSTHOG, key, unreadable).map(outcome -> outcome.refusal() != null
        ? outcome.refusal()
        : Response.ok(flags(), MediaType.APPLICATION_JSON).build());
  }

  static Map<String, Object> remoteConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("supportedCompression", List.of("gzip-js", "base64"));
    config.put("hasFeatureFlags", false);
    config.put("autocapture_opt_out", true);
    config.put("autocaptureExceptions", false);
    config.put("errorTracking", Map.of("autocaptureExceptions", false));
    config.put("capturePerformance", false);
    config.put("sessionRecording", false);
    // No "surveys" member at all: with one (even false) posthog-js 1.449 loads its surveys script from the api_host.
    config.put("productTours", false);
    config.put("heatmaps", false);
    config.put("captureDeadClicks", false);
    config.put("conversations", false);
    config.put("logs", Map.of("captureConsoleLogs", false));
    config.put("siteApps", List.of());
    config.put("isAuthenticated", false);
    config.put("toolbarParams", Map.of());
    config.put("elementsChainAsString", true);
    return config;
  }

  static Map<String, Object> flags() {
    Map<String, Object> flags = new LinkedHashMap<>(remoteConfig());
    flags.put("flags", Map.of());
    flags.put("featureFlags", Map.of());
    flags.put("featureFlagPayloads", Map.of());
    flags.put("errorsWhileComputingFlags", false);
    flags.put("quotaLimited", List.of());
    return flags;
  }

  /** The script form: the key is a Tally key (letters, digits, _ and -), quoted as a JSON string all the same. */
  private static String script(String key) {
    String quoted = "\"" + key.replaceAll("[^A-Za-z0-9_.:-]", "") + "\"";
    String config;
    try {
      config = new ObjectMapper().writeValueAsString(remoteConfig());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the remote configuration", e);
    }
    return "(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};"
        + "window._POSTHOG_REMOTE_CONFIG[" + quoted + "]={config:" + config + ",siteApps:[]};})();\n";
  }
}
