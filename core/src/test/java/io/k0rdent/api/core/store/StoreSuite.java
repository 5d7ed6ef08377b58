package io.k0rdent.api.core.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every store contract suite shares: a fresh, empty {@link Store} per test from the adapter's test
 * ({@link #createStore()}), its disposal ({@link #destroyStore(Store)}), and bounded waits for its futures
 * ({@link Awaits}, {@value Awaits#TIMEOUT_SECONDS} s).
 */
public abstract class StoreSuite {

  /** How long one store call (or one batch of concurrent calls) may take before the test fails. */
  protected static final long TIMEOUT_SECONDS = Awaits.TIMEOUT_SECONDS;

  /** The store under test; fresh and empty in every test. */
  protected Store store;

  /** A new, empty store. Called before every test. */
  protected abstract Store createStore() throws Exception;

  /** Releases {@code store} after a test; the default closes it. */
  protected void destroyStore(Store store) throws Exception {
    await(store.close());
  }

  @BeforeEach
  void createTheStore() throws Exception {
    store = createStore();
  }

  @AfterEach
  void destroyTheStore() throws Exception {
    if (store != null) {
      destroyStore(store);
      store = null;
    }
  }

  /** See {@link Awaits#await}. */
  protected static <T> T await(Future<T> f) {
    return Awaits.await(f);
  }

  /** See {@link Awaits#awaitFailure}. */
  protected static Throwable awaitFailure(Future<?> f) {
    return Awaits.awaitFailure(f);
  }

  /** See {@link Awaits#failure}. */
  protected static Throwable failure(Future<?> f) {
    return Awaits.failure(f);
  }

  /** The {@link io.k0rdent.api.core.error.ApiException} {@code f} fails with; asserts its status and reason. */
  protected static io.k0rdent.api.core.error.ApiException awaitApiFailure(Future<?> f, int status, String reason) {
    Throwable t = Awaits.awaitFailure(f);
    org.assertj.core.api.Assertions.assertThat(t).isInstanceOf(io.k0rdent.api.core.error.ApiException.class);
    io.k0rdent.api.core.error.ApiException e = (io.k0rdent.api.core.error.ApiException) t;
    org.assertj.core.api.Assertions.assertThat(e.status()).as("status of %s", e.getMessage()).isEqualTo(status);
    org.assertj.core.api.Assertions.assertThat(e.reason()).as("reason of %s", e.getMessage()).isEqualTo(reason);
    return e;
  }

  /** Organization {@code acme} with projects {@code train} and {@code infer}: where project-scoped suites work. */
  protected void seedAcmeProjects() {
    java.time.Instant now = io.k0rdent.api.core.resource.Clock.now();
    await(store.organizations().create(new io.k0rdent.api.core.resource.Organization("acme", java.util.UUID.randomUUID(),
        "Acme", null, now, now, 1)));
    for (String p : List.of("train", "infer")) {
      await(store.projects().create(new io.k0rdent.api.core.resource.Project(p, java.util.UUID.randomUUID(), "acme",
          "Project " + p, null, now, now, 1)));
    }
  }

  /** Every unpublished row of the store's outbox ({@link Store#events()}), oldest first. */
  protected List<OutboxRow> outbox() {
    return await(store.events().pending(EventOutbox.MAX_BATCH));
  }

  /** The outbox rows {@code mutation} appended (those not pending before it ran), oldest first. */
  protected List<OutboxRow> eventsOf(Runnable mutation) {
    java.util.Set<Long> before = new java.util.HashSet<>();
    outbox().forEach(r -> before.add(r.seq()));
    mutation.run();
    return outbox().stream().filter(r -> !before.contains(r.seq())).toList();
  }

  /** Asserts that {@code mutation} appended no event (a refused mutation, or no resource change). */
  protected void assertNoEvent(String what, Runnable mutation) {
    org.assertj.core.api.Assertions.assertThat(eventsOf(mutation)).as("events of " + what).isEmpty();
  }

  /**
   * Asserts that {@code mutation} appended exactly one event, of {@code type} about {@code subject} (also its key),
   * with {@code data.id} and {@code data.uid} of {@code resource}; answers it.
   */
  protected io.k0rdent.api.core.event.CloudEvent assertOneEvent(String type, String subject,
                                                                io.k0rdent.api.core.resource.Resource resource,
                                                                Runnable mutation) {
    List<OutboxRow> rows = eventsOf(mutation);
    org.assertj.core.api.Assertions.assertThat(rows).as("events of " + type).hasSize(1);
    OutboxRow row = rows.get(0);
    io.k0rdent.api.core.event.CloudEvent e = row.event();
    org.assertj.core.api.Assertions.assertThat(e.type()).isEqualTo(type);
    org.assertj.core.api.Assertions.assertThat(e.subject()).isEqualTo(subject);
    org.assertj.core.api.Assertions.assertThat(row.key()).isEqualTo(subject);
    org.assertj.core.api.Assertions.assertThat(e.data().getString("id")).isEqualTo(resource.id());
    org.assertj.core.api.Assertions.assertThat(e.data().getString("uid")).isEqualTo(resource.uid().toString());
    return e;
  }

  /** See {@link Awaits#concurrently}. */
  protected static <T> List<Future<T>> concurrently(int n, int threads, Function<Integer, Future<T>> task)
      throws Exception {
    return Awaits.concurrently(n, threads, task);
  }
}
