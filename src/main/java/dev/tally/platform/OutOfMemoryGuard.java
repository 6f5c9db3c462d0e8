package dev.tally.platform;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Ends the process on an OutOfMemoryError that reaches an event loop or escapes a thread. Netty and Vert.x catch what
 * a handler throws and carry on, so after an OutOfMemoryError a process can live on with dead event loops and a dead
 * scheduler, answering nothing and never restarted. Halting (exit code 3, as HotSpot's -XX:+ExitOnOutOfMemoryError)
 * lets Kubernetes restart it; the images pass that flag too, this covers every other way of running Tally.
 */
@ApplicationScoped
public class OutOfMemoryGuard {

  private static final Logger LOG = Logger.getLogger(OutOfMemoryGuard.class);

  static final int EXIT_CODE = 3;

  void install(@Observes StartupEvent startup, Vertx vertx) {
    // Replaces Vert.x' own logging of unhandled exceptions, so everything else is logged here as it was there.
    vertx.exceptionHandler(failure -> {
      haltOnOutOfMemory(failure);
      LOG.error("Unhandled exception", failure);
    });
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
      haltOnOutOfMemory(failure);
      if (previous != null) {
        previous.uncaughtException(thread, failure);
      } else {
        failure.printStackTrace();
      }
    });
  }

  static void haltOnOutOfMemory(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        // No logging framework, no allocation worth the name: the heap is gone. halt(), not exit(): shutdown hooks
        // could wait on the very threads that died.
        System.err.println("Tally: OutOfMemoryError, halting so that the process is restarted");
        Runtime.getRuntime().halt(EXIT_CODE);
      }
    }
  }
}
