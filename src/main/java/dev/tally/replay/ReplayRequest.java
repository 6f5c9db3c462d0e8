package dev.tally.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.platform.JsonFields;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Set;

/**
 * What to replay: a client's stored raw events with the given statuses (default {@code ["rejected"]}), received
 * in [from, to) when given (ISO-8601 instants).
 */
@RegisterForReflection
public record ReplayRequest(String clientId, List<String> statuses, String from, String to) {

  private static final Set<String> FIELDS = Set.of("clientId", "statuses", "from", "to");

  /** The request in a body, or a 400 naming every field that is unknown or of the wrong type. */
  public static ReplayRequest from(JsonNode body) {
    JsonFields fields = JsonFields.of(body, "{\"clientId\":\"client_A\",\"statuses\":[\"rejected\"]}", FIELDS);
    ReplayRequest request = new ReplayRequest(fields.string("clientId"), fields.strings("statuses"), fields.string("from"),
        fields.string("to"));
    fields.orFail("the replay request is invalid; nothing was started");
    return request;
  }
}
