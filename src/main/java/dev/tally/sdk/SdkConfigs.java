package dev.tally.sdk;

import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.function.Supplier;

/**
 * What the browser SDKs' configuration routes share: the key they carry (path, query or headers) authenticated as any
 * SDK key is — an ingest key, from an origin it allows — before anything is answered, and the address browsers reach
 * Tally at, which the answers send the SDKs' events to.
 */
@Singleton
public class SdkConfigs {

  @Inject SdkIngest sdk;
  @Inject TallyConfig config;

  /** {@code answer} once {@code key} (null: the headers' key) is a usable SDK key; the refusal otherwise. */
  Uni<Response> answer(Protocol protocol, String key, Supplier<Object> answer) {
    return answer(protocol, key, MediaType.APPLICATION_JSON, answer);
  }

  Uni<Response> answer(Protocol protocol, String key, String type, Supplier<Object> answer) {
    String given = key == null || key.isBlank() ? null : key.strip();
    return sdk.authenticated(protocol, given, null).map(outcome -> outcome.refusal() != null
        ? outcome.refusal()
        // Configuration changes with Tally's own, and each answer names the key: never cached by a shared cache.
        : Response.ok(answer.get(), type).header("Cache-Control", "private, max-age=60").build());
  }

  /** Where browsers reach Tally: tally.browser.public-url, else the scheme and Host this request came with. */
  URI publicUrl(UriInfo uri) {
    String configured = config.browser().publicUrl().map(String::strip).filter(url -> !url.isEmpty()).orElse(null);
    URI base = configured != null ? URI.create(configured) : uri.getBaseUri();
    String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
    return URI.create(base.getScheme() + "://" + base.getRawAuthority() + path);
  }
}
