package dev.tally.ingest;

import dev.tally.normalize.Normalizer;
import dev.tally.platform.TallyConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Builds the pure parsing and normalization core from configuration, once. */
public class IngestBeans {

  @Produces
  @Singleton
  JsonReader jsonReader(TallyConfig config) {
    TallyConfig.Ingest ingest = config.ingest();
    return new JsonReader(ingest.maxBatchSize(), ingest.maxNestingDepth(), ingest.maxStringLength(), ingest.maxNumberLength());
  }

  @Produces
  @Singleton
  BodyParser bodyParser(JsonReader json) {
    return new BodyParser(json);
  }

  @Produces
  @Singleton
  Normalizer normalizer(TallyConfig config) {
    return new Normalizer(config.normalize().maxFutureSkew());
  }

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }
}
