import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;

/**
 * GETs one URL sequentially and prints "p50_ms p99_ms rows": run by aggregates-benchmark.sh with
 * `java LatencyProbe.java URL WARMUP REQUESTS [revalidate | if-none-match=TAG]` (a single-file program; nothing
 * to build). With "revalidate" every timed request sends the ETag of the first answer as If-None-Match and must get
 * 304, which is what a polling dashboard costs while nothing changes. With "if-none-match=TAG" every request sends
 * TAG and must get 304: a tag of an older generation whose rows are unchanged, which Tally answers by reading and
 * comparing the rows (a dashboard of a quiet client after other clients' events were refreshed).
 */
public class LatencyProbe {

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    int warmup = Integer.parseInt(args[1]);
    int requests = Integer.parseInt(args[2]);
    // HTTP/1.1, as a dashboard's requests reach Tally: browsers never speak HTTP/2 without TLS, and an ingress talks
    // HTTP/1.1 to its upstreams. Left to its default, this client upgrades to cleartext HTTP/2 (h2c), a path no
    // dashboard takes.
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    String authorization = "Bearer " + System.getenv("TALLY_BENCH_KEY");
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Authorization", authorization).GET().build();
    String mode = args.length > 3 ? args[3] : "";
    String etag = mode.equals("revalidate")
        ? client.send(request, HttpResponse.BodyHandlers.ofString()).headers().firstValue("ETag").orElseThrow()
        : mode.startsWith("if-none-match=") ? mode.substring("if-none-match=".length()) : null;
    int expected = 200;
    if (etag != null) {
      request = HttpRequest.newBuilder(request, (name, value) -> true).header("If-None-Match", etag).build();
      expected = 304;
    }
    byte[] body = new byte[0];
    for (int i = 0; i < warmup; i++) {
      body = send(client, request, expected);
    }
    long[] nanos = new long[requests];
    for (int i = 0; i < requests; i++) {
      long start = System.nanoTime();
      body = send(client, request, expected);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    int rows = new String(body, StandardCharsets.UTF_8).split("\"clientId\"", -1).length - 1;
    System.out.printf("%.1f %.1f %d%n", percentile(nanos, 50), percentile(nanos, 99), rows);
  }

  // The body as bytes: the time measured is Tally's and the network's, not this client's decoding of it.
  private static byte[] send(HttpClient client, HttpRequest request, int expected) throws Exception {
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != expected) {
      throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": "
          + new String(response.body(), StandardCharsets.UTF_8));
    }
    return response.body();
  }

  /** Nearest-rank percentile, in milliseconds. */
  private static double percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1_000_000.0;
  }
}
