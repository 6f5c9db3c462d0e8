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
  BodyParser bodyParser(TallyConfig config) {
    TallyConfig.Ingest ingest = config.ingest();
    return new BodyParser(ingest.maxBatchSize(), ingest.maxNestingDepth(), ingest.maxStringLength(), ingest.maxNumberLength());
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
