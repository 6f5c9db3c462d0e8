package dev.tally.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.platform.TallyConfig;
import io.smallrye.mutiny.Uni;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A deployment nobody can administer says so at startup: security on, no bootstrap admin key configured and no
 * admin key in the database is an ERROR that tells how to create one. Plain JUnit: the service with a stub
 * repository and configuration, the log read from the service's logger.
 */
class AdminAccessCheckTest {

  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger(ApiKeyService.class.getName());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      logged.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void captureLog() {
    logger.addHandler(capture);
  }

  @AfterEach
  void releaseLog() {
    logger.removeHandler(capture);
  }

  @ParameterizedTest(name = "security={0} bootstrap key={1} admin key stored={2} -> error={3}")
  @CsvSource({
      "true,  false, false, true",
      "true,  false, true,  false",
      "true,  true,  false, false",
      "true,  true,  true,  false",
      "false, false, false, false",
  })
  void startupSaysWhenNobodyCanAdministerTally(boolean enabled, boolean bootstrapKey, boolean adminStored,
      boolean error) {
    ApiKeyService service = new ApiKeyService();
    service.config = config(enabled, bootstrapKey ? Optional.of("a-bootstrap-key-for-this-test-0123456789") : Optional.empty());
    service.repository = new ApiKeyRepository() {
      @Override
      public Uni<Boolean> anyActiveAdminKey() {
        return Uni.createFrom().item(adminStored);
      }

      @Override
      public Uni<Void> installBootstrap(byte[] secretHash) {
        return Uni.createFrom().voidItem();
      }
    };

    service.start(null);

    List<String> errors = logged.stream()
        .filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogRecord::getMessage)
        .toList();
    if (error) {
      assertThat(errors).singleElement().asString()
          .contains("no admin key")
          .contains("TALLY_SECURITY_BOOTSTRAP_ADMIN_KEY")
          .contains("POST /keys");
    } else {
      assertThat(errors).isEmpty();
    }
  }

  private static TallyConfig config(boolean enabled, Optional<String> bootstrapKey) {
    TallyConfig.Security security = proxy(TallyConfig.Security.class, method -> switch (method) {
      case "enabled" -> enabled;
      case "bootstrapAdminKey" -> bootstrapKey;
      default -> throw new UnsupportedOperationException(method);
    });
    return proxy(TallyConfig.class, method -> switch (method) {
      case "security" -> security;
      default -> throw new UnsupportedOperationException(method);
    });
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, java.util.function.Function<String, Object> answer) {
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (self, method, args) -> answer.apply(method.getName()));
  }
}
