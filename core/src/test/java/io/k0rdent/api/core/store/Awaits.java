package io.k0rdent.api.core.store;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Waiting for store futures from a test thread, shared by the store contract suites: every wait is bounded by
 * {@link #TIMEOUT_SECONDS}, and a future that does not complete in time fails the test.
 */
public final class Awaits {

  /** How long one store call may take before the test fails. */
  public static final long TIMEOUT_SECONDS = 30;

  private Awaits() {}

  /** The value of {@code f}, failing the test if it fails or takes longer than the timeout. */
  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }

  /** The failure of {@code f}, failing the test if it succeeds. */
  public static Throwable awaitFailure(Future<?> f) {
    Throwable t = failure(f);
    if (t == null) {
      throw new AssertionError("expected a failure, got " + f.result());
    }
    return t;
  }

  /** The failure of {@code f} once completed, or null when it succeeded. */
  public static Throwable failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }

  /**
   * Runs {@code n} tasks on {@code threads} threads, released together; answers their futures, completed
   * (successfully or not: the caller inspects them), in task order.
   */
  public static <T> List<Future<T>> concurrently(int n, int threads, Function<Integer, Future<T>> task)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<java.util.concurrent.Future<Future<T>>> submitted = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int idx = i;
        Callable<Future<T>> c = () -> {
          go.await();
          return task.apply(idx);
        };
        submitted.add(pool.submit(c));
      }
      go.countDown();
      List<Future<T>> out = new ArrayList<>();
      for (var s : submitted) {
        out.add(s.get(TIMEOUT_SECONDS, SECONDS));
      }
      for (Future<T> f : out) {
        failure(f);
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
