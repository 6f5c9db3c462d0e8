package dev.tally.ingest;

import dev.tally.normalize.FieldError;
import dev.tally.normalize.Normalization;
import dev.tally.normalize.Normalizer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;

/**
 * Normalizes stored raw rows again with their client's current mapping and settles them within the caller's
 * transaction, exactly as a request would have: the recovery job and replays both go through here. A row that
 * already stands for a counted event is never moved to another event or to rejected: that would count it
 * twice, or leave a counted event without its raw row.
 */
@ApplicationScoped
public class Reprocessor {

  @Inject BodyParser parser;
  @Inject MappedNormalizer normalizer;
  @Inject EventStore store;

  public Uni<List<Reprocessed>> reprocess(SqlConnection connection, List<StoredRaw> rows) {
    if (rows.isEmpty()) {
      return Uni.createFrom().item(List.of());
    }
    List<ParsedBody.Element> elements = new ArrayList<>(rows.size());
    List<MappedNormalizer.Job> jobs = new ArrayList<>(rows.size());
    for (StoredRaw row : rows) {
      ParsedBody.Element element = withFiledClient(parser.parseElement(row.content()), row);
      elements.add(element);
      if (element.parsed()) {
        // The clock the request would have used: when the event was received.
        jobs.add(new MappedNormalizer.Job(element.event(), Normalizer.clientIdOf(element.event()), row.receivedAt()));
      }
    }
    return normalizer.normalize(jobs).flatMap(normalizations -> {
      List<Settlement> settlements = new ArrayList<>(rows.size());
      int next = 0;
      for (int i = 0; i < rows.size(); i++) {
        StoredRaw row = rows.get(i);
        ParsedBody.Element element = elements.get(i);
        Normalization normalization = element.parsed() ? normalizations.get(next++)
            : new Normalization.Rejected(List.of(new FieldError(null, EventResult.UNPARSEABLE, element.error())), 0);
        if (!row.counted() || sameEvent(row, normalization)) {
          settlements.add(new Settlement(row.id(), row.clientId(), normalization));
        }
      }
      return store.settle(connection, settlements).map(settled -> {
        List<Reprocessed> results = new ArrayList<>(rows.size());
        for (StoredRaw row : rows) {
          results.add(new Reprocessed(row, settled.get(row.id())));
        }
        return results;
      });
    });
  }

  /**
   * An event sent with an ingest key may leave its clientId out; its row is filed under the key's client, which
   * it takes again here as it did when received. A row's client_id is otherwise the clientId its content names.
   */
  private static ParsedBody.Element withFiledClient(ParsedBody.Element element, StoredRaw row) {
    if (!element.parsed() || row.clientId() == null) {
      return element;
    }
    return new ParsedBody.Element(Normalizer.withDefaultClientId(element.event(), row.clientId()), element.error(), element.raw(),
        element.jsonbSafe());
  }

  /** A counted row may only settle again as the event it already stands for. */
  private static boolean sameEvent(StoredRaw row, Normalization normalization) {
    return normalization instanceof Normalization.Accepted accepted && accepted.fingerprint().equals(row.fingerprint());
  }
}
