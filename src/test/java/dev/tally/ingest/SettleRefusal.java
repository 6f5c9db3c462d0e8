package dev.tally.ingest;

import dev.tally.support.TestDb;

/**
 * A row-specific refusal by the database itself, independent of any normalizer defect: a test-only trigger makes
 * PostgreSQL refuse to store an event whose metric is {@link #METRIC}, with the SQLSTATE a NUL in a text value
 * gets (22021). Every other event is untouched, so tests that do not use the metric never notice it.
 */
public final class SettleRefusal {

  /** Events with this metric cannot be settled: their insert into {@code events} fails. */
  public static final String METRIC = "refused_by_test_trigger";

  private SettleRefusal() {}

  /** Installs the trigger (idempotent). */
  public static void install() {
    TestDb.update("""
        CREATE OR REPLACE FUNCTION test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'test trigger refuses metric %', NEW.metric USING ERRCODE = '22021';
        END $$""");
    TestDb.update("DROP TRIGGER IF EXISTS test_refuse_event ON events");
    TestDb.update("CREATE TRIGGER test_refuse_event BEFORE INSERT ON events FOR EACH ROW"
        + " WHEN (NEW.metric = '" + METRIC + "') EXECUTE FUNCTION test_refuse_event()");
  }

  /** A valid event of {@code clientId} that the trigger refuses to store. */
  public static String event(String clientId, String timestamp) {
    return "{\"clientId\":\"" + clientId + "\",\"metric\":\"" + METRIC + "\",\"amount\":1,\"timestamp\":\"" + timestamp + "\"}";
  }
}
