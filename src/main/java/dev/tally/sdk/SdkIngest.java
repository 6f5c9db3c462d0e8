package dev.tally.sdk;

import dev.tally.ingest.BodyDecoder;
import dev.tally.ingest.Deadline;
import dev.tally.ingest.Incoming;
import dev.tally.ingest.IngestService;
import dev.tally.ingest.ParsedBody;
import dev.tally.platform.BodyLimitFilter;
import dev.tally.platform.InFlightBodies;
import dev.tally.platform.Problem;
import dev.tally.platform.TallyConfig;
import dev.tally.security.ApiKeyService;
import dev.tally.security.Authenticator;
import dev.tally.security.Caller;
import dev.tally.security.CurrentCaller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One SDK request through Tally: decode (Content-Encoding, with the size limit on the decoded bytes), parse the
 * envelope, find the key, authenticate it when the headers did not, then every message through the same
 * raw-first pipeline as POST /events. Nothing is stored for a request that is not authenticated.
 */
// Started with the application, so the per-protocol counters exist (at 0) before the first SDK request.
@Startup
@ApplicationScoped
public class SdkIngest {

  @Inject IngestService ingest;
  @Inject EnvelopeParser envelopes;
  @Inject TallyConfig config;
  @Inject CurrentCaller current;
  @Inject Authenticator authenticator;
  @Inject ApiKeyService keys;
  @Inject MeterRegistry metrics;
  @Inject InFlightBodies inFlight;

  /** Messages received per protocol, authenticated, before normalization: which SDKs send how much. */
  private final Map<Protocol, Counter> messages = new EnumMap<>(Protocol.class);

  @PostConstruct
  void counters() {
    for (Protocol protocol : Protocol.values()) {
      messages.put(protocol, Counter.builder("tally.sdk.messages")
          .description("SDK messages received, by protocol, authenticated and before normalization: which SDKs send how much")
          .tag("protocol", protocol.id())
          .register(metrics));
    }
  }

  /**
   * The request's parts an SDK route hands over; {@code compression} is PostHog's query parameter (gzip-js, base64);
   * {@code routeKey} a key the route carries outside headers and body (Snowplow's /k/{key}/ collector path,
   * RudderStack's beacon ?writeKey=), null when none.
   */
  public record Call(Protocol protocol, String path, String contentType, String contentEncoding, String compression, String routeKey,
      byte[] body) {

    public Call(Protocol protocol, String path, String contentType, String contentEncoding, String compression, byte[] body) {
      this(protocol, path, contentType, contentEncoding, compression, null, body);
    }
  }

  public Uni<Response> handle(Call call) {
    BodyDecoder.Result decoded = BodyDecoder.decode(call.body(), encoding(call), config.ingest().maxBodyBytes());
    if (call.protocol() == Protocol.POSTHOG && decoded instanceof BodyDecoder.Decoded d) {
      decoded = PostHogForm.decode(d.bytes());
    }
    if (decoded instanceof BodyDecoder.TooLarge tooLarge) {
      return Uni.createFrom().item(BodyLimitFilter.tooLarge(tooLarge.receivedBytes(), tooLarge.limit()));
    }
    // A decoded body counts in the in-flight budget with its own size, as the body as received does.
    if (decoded instanceof BodyDecoder.Decoded d && !inFlight.tryHoldDecoded(call.body(), d.bytes())) {
      return Uni.createFrom().item(inFlight.busy());
    }
    // What a row keeps of a body without events: the decoded JSON text, or the bytes as received when they do not decode.
    byte[] stored;
    SdkBody parsed;
    if (decoded instanceof BodyDecoder.Decoded d) {
      stored = d.bytes();
      parsed = envelopes.parse(stored, call.contentType(), call.protocol().batchMember());
    } else {
      stored = call.body();
      parsed = new SdkBody.Bare(new ParsedBody.Unparseable(((BodyDecoder.Undecodable) decoded).message()));
    }
    Unpacker.Result unpacked = Unpacker.unpack(call.protocol(), call.path(), parsed);
    if (unpacked instanceof Unpacker.MixedKeys mixed) {
      return Uni.createFrom().item(Authenticator.unauthorized(mixed.message() + "; nothing was stored", challenge(call.protocol())));
    }
    String bodyKey = unpacked instanceof Unpacker.Unpacked u ? u.key() : null;
    if (call.routeKey() != null && bodyKey != null && !bodyKey.equals(call.routeKey().strip())) {
      return Uni.createFrom().item(Authenticator.unauthorized("the body carries a different API key than the route's; nothing was stored",
          challenge(call.protocol())));
    }
    if (bodyKey == null && call.routeKey() != null && !call.routeKey().isBlank()) {
      bodyKey = call.routeKey().strip();
    }
    String whyUnreadable = unpacked instanceof Unpacker.Unreadable u ? u.message() : null;
    return authenticated(call.protocol(), bodyKey, whyUnreadable).flatMap(outcome -> {
      if (outcome.refusal() != null) {
        return Uni.createFrom().item(outcome.refusal());
      }
      Caller caller = outcome.caller();
      if (unpacked instanceof Unpacker.Unreadable unreadable) {
        // Kept as received, but never with a key in it: a read key can read the row.
        byte[] redacted = KeyRedactor.redact(call.protocol(), stored).bytes();
        return Deadline.within(ingest.unparseable(redacted, call.contentType(), unreadable.message(), unreadable.envelopeJson(),
                    caller.keyId(), caller.boundClientId()), config.ingest().requestDeadline())
            .map(result -> Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON).entity(result).build());
      }
      List<Incoming> incoming = ((Unpacker.Unpacked) unpacked).incoming();
      messages.get(call.protocol()).increment(incoming.size());
      return Deadline.within(ingest.ingestAll(incoming, call.contentType(), caller.keyId(), caller.boundClientId()),
              config.ingest().requestDeadline())
          .map(result -> Response.ok(SdkReply.of(call.protocol(), result), MediaType.APPLICATION_JSON).build());
    });
  }

  /**
   * The caller: the one AuthFilter found in the headers, else the key found in the body (the resources are @KeyMayBeInBody). SDK events have no
   * clientId of their own, so only a key bound to one client (an ingest key) may send them. {@code unreadable}
   * says why the body could not be read (null when it could): then no key could be found in it either.
   */
  Uni<Authenticator.Outcome> authenticated(Protocol protocol, String bodyKey, String unreadable) {
    Uni<Authenticator.Outcome> outcome;
    if (current.authenticated() && bodyKey != null && config.security().enabled()) {
      outcome = sameKey(current.get(), bodyKey, protocol);
    } else if (current.authenticated()) {
      outcome = Uni.createFrom().item(new Authenticator.Outcome(current.get(), null));
    } else if (bodyKey == null) {
      String why = unreadable == null ? "" : " (the body could not be read, so neither could a key in it: " + unreadable + ")";
      outcome = Uni.createFrom().item(new Authenticator.Outcome(null, Authenticator.unauthorized(
          "an API key is required: " + howToSendKey(protocol) + why + "; nothing was stored", challenge(protocol))));
    } else {
      outcome = authenticator.authenticateFromBody(bodyKey, challenge(protocol));
    }
    return outcome.map(o -> {
      if (o.refusal() != null || o.caller().boundClientId() != null) {
        return o;
      }
      String detail = config.security().enabled()
          ? "the SDK routes take the clientId from the key: use an ingest key bound to one client (POST /keys"
              + " {\"role\":\"ingest\",\"clientIds\":[\"...\"]}) as the SDK's write key; nothing was stored"
          : "the SDK routes take the clientId from an ingest key, and tally.security.enabled=false has none; nothing was stored";
      return new Authenticator.Outcome(null, Problem.of(Response.Status.FORBIDDEN, detail).toResponse());
    });
  }

  /**
   * A body key next to the headers' key must be the same key (Segment's SDK sends it in both places): a different
   * or unknown one leaves open which key sends the request, as two keys in one body do, so it is refused.
   */
  private Uni<Authenticator.Outcome> sameKey(Caller caller, String bodyKey, Protocol protocol) {
    return keys.find(bodyKey).map(found -> found.isPresent() && !found.get().revoked() && found.get().id().equals(caller.keyId())
        ? new Authenticator.Outcome(caller, null)
        : new Authenticator.Outcome(null, Authenticator.unauthorized("the body carries a different API key than the request's"
            + " headers; send one key, or the same key in both places; nothing was stored", challenge(protocol))));
  }

  private static String howToSendKey(Protocol protocol) {
    return switch (protocol) {
      case POSTHOG -> "send it as api_key in the body (the PostHog SDK's project API key), or in Authorization: Bearer";
      case SEGMENT -> "send it as the write key (HTTP Basic user name, or writeKey in the body), or in Authorization: Bearer";
      case SNOWPLOW -> "send it in X-Api-Key (the tracker's customHeaders) or Authorization: Bearer, or in the collector path"
          + " (/k/<key>/com.snowplowanalytics.snowplow/tp2)";
    };
  }

  static String challenge(Protocol protocol) {
    return protocol == Protocol.SEGMENT ? Authenticator.BASIC_CHALLENGE : Authenticator.BEARER_CHALLENGE;
  }

  /**
   * posthog-js marks gzip with ?compression=gzip-js instead of Content-Encoding (its base64 form is PostHogForm's), and
   * 1.449 not even that: its /e/ bodies are gzip labelled text/plain. A body that starts with gzip's magic bytes
   * (never the start of JSON) and comes without Content-Encoding is taken as gzip.
   */
  private static String encoding(Call call) {
    boolean declared = call.contentEncoding() != null && !call.contentEncoding().isBlank();
    if (!declared && ("gzip-js".equalsIgnoreCase(call.compression()) || gzipMagic(call.body()))) {
      return "gzip";
    }
    return call.contentEncoding();
  }

  static boolean gzipMagic(byte[] body) {
    return body != null && body.length >= 2 && body[0] == (byte) 0x1f && body[1] == (byte) 0x8b;
  }
}
