package io.k0rdent.api.core.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Resource;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Store} adapter must have. An adapter's test extends this class and
 * supplies a fresh, empty store per test ({@link #createStore()}) and its disposal
 * ({@link #destroyStore(Store)}). Futures are awaited from the test thread with a 10 s timeout.
 */
public abstract class StoreContract {

  /** How long one store call may take before the test fails. */
  protected static final long TIMEOUT_SECONDS = 10;

  /** The store under test; fresh and empty in every test. */
  protected Store store;

  /** A new, empty store. Called before every test. */
  protected abstract Store createStore() throws Exception;

  /** Releases {@code store} after a test; the default closes it. */
  protected void destroyStore(Store store) throws Exception {
    await(store.close());
  }

  @BeforeEach
  void setUpStore() throws Exception {
    store = createStore();
  }

  @AfterEach
  void tearDownStore() throws Exception {
    if (store != null) {
      destroyStore(store);
      store = null;
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The value of {@code f}, failing the test if it fails or takes longer than the timeout. */
  protected static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }

  /** The failure of {@code f}, failing the test if it succeeds. */
  protected static Throwable awaitFailure(Future<?> f) {
    try {
      Object v = f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, SECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }

  /** The {@link ApiException} {@code f} fails with; asserts its status. */
  protected static ApiException awaitApiFailure(Future<?> f, int status) {
    Throwable t = awaitFailure(f);
    assertThat(t).isInstanceOf(ApiException.class);
    ApiException e = (ApiException) t;
    assertThat(e.status()).as("status of %s", e.getMessage()).isEqualTo(status);
    return e;
  }

  protected static Organization org(String id, Instant createdAt) {
    return new Organization(id, UUID.randomUUID(), "Org " + id, "about " + id, createdAt, createdAt, 1);
  }

  protected static Organization org(String id) {
    return org(id, Clock.now());
  }

  protected static Project project(String id, String organizationId, Instant createdAt) {
    return new Project(id, UUID.randomUUID(), organizationId, "Project " + id, "about " + id,
        createdAt, createdAt, 1);
  }

  protected static Project project(String id, String organizationId) {
    return project(id, organizationId, Clock.now());
  }

  protected static ListQuery query(int limit, PageCursor after) {
    return new ListQuery(Map.of(), after, limit);
  }

  private static final Comparator<Resource> ORDER =
      Comparator.comparing(Resource::createdAt).thenComparing(Resource::id);

  private static List<String> ids(List<? extends Resource> rs) {
    return rs.stream().map(Resource::id).toList();
  }

  /** Walks every page of {@code lister} with {@code limit}, asserting page sizes and cursors. */
  private static <T extends Resource> List<T> listAll(Function<ListQuery, Future<Page<T>>> lister,
                                                      Map<String, String> filters, int limit) {
    List<T> all = new ArrayList<>();
    PageCursor after = null;
    for (int pages = 0; pages < 10_000; pages++) {
      Page<T> page = await(lister.apply(new ListQuery(filters, after, limit)));
      all.addAll(page.items());
      if (page.next() == null) {
        assertThat(page.items().size()).isLessThanOrEqualTo(limit);
        return all;
      }
      assertThat(page.items()).hasSize(limit);
      T last = page.items().get(page.items().size() - 1);
      assertThat(page.next()).isEqualTo(new PageCursor(last.createdAt(), last.id()));
      after = page.next();
    }
    throw new AssertionError("paging did not end");
  }

  /** Runs {@code n} tasks on {@code threads} threads, released together; answers their futures in order. */
  private static <T> List<Future<T>> concurrently(int n, int threads, Function<Integer, Future<T>> task)
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
        // wait for completion, success or failure
        try {
          f.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, SECONDS);
        } catch (ExecutionException ignored) {
          // inspected by the caller
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- create / get

  @Test
  void createThenGetRoundTripsEveryField() {
    Instant t = Clock.now();
    Organization o = new Organization("acme", UUID.randomUUID(), "Acme Corp", "GPUs for everyone", t,
        t.plusMillis(5), 1);
    assertThat(await(store.organizations().create(o))).isEqualTo(o);
    assertThat(await(store.organizations().get("acme"))).isEqualTo(o);

    Organization bare = new Organization("bare", UUID.randomUUID(), null, null, t, t, 1);
    assertThat(await(store.organizations().create(bare))).isEqualTo(bare);
    assertThat(await(store.organizations().get("bare"))).isEqualTo(bare);

    Project p = new Project("train", UUID.randomUUID(), "acme", "Training", "ünïcødé ✓ \"quoted\"", t,
        t.plusMillis(1), 1);
    assertThat(await(store.projects().create(p))).isEqualTo(p);
    assertThat(await(store.projects().get("train"))).isEqualTo(p);

    Project bareP = new Project("bare", UUID.randomUUID(), "acme", null, null, t, t, 1);
    assertThat(await(store.projects().create(bareP))).isEqualTo(bareP);
    assertThat(await(store.projects().get("bare"))).isEqualTo(bareP);
  }

  @Test
  void createKeepsMillisecondTimestampsExactly() {
    Instant t = Instant.parse("2024-02-29T23:59:59.999Z");
    Organization o = new Organization("leap", UUID.randomUUID(), null, null, t, Instant.EPOCH.plusMillis(1), 1);
    await(store.organizations().create(o));
    Organization got = await(store.organizations().get("leap"));
    assertThat(got.createdAt()).isEqualTo(t);
    assertThat(got.updatedAt()).isEqualTo(Instant.EPOCH.plusMillis(1));
  }

  @Test
  void createDuplicateIdFailsWith409AlreadyExistsAndKeepsTheFirst() {
    Organization first = org("dup");
    await(store.organizations().create(first));
    ApiException e = awaitApiFailure(store.organizations().create(org("dup")), 409);
    assertThat(e.reason()).isEqualTo("ALREADY_EXISTS");
    assertThat(e.getMessage()).isEqualTo("organization 'dup' already exists");
    assertThat(await(store.organizations().get("dup"))).isEqualTo(first);

    Project p = project("dup-p", "dup");
    await(store.projects().create(p));
    ApiException pe = awaitApiFailure(store.projects().create(project("dup-p", "dup")), 409);
    assertThat(pe.reason()).isEqualTo("ALREADY_EXISTS");
    assertThat(pe.getMessage()).isEqualTo("project 'dup-p' already exists");
    assertThat(await(store.projects().get("dup-p"))).isEqualTo(p);
  }

  @Test
  void createWithATakenUidFailsWith409() {
    Organization first = org("first");
    await(store.organizations().create(first));
    Organization sameUid = new Organization("second", first.uid(), null, null, Clock.now(), Clock.now(), 1);
    ApiException e = awaitApiFailure(store.organizations().create(sameUid), 409);
    assertThat(e.reason()).isEqualTo("ALREADY_EXISTS");
    awaitApiFailure(store.organizations().get("second"), 404);
  }

  @Test
  void getMissingFailsWith404NotFound() {
    ApiException e = awaitApiFailure(store.organizations().get("nope"), 404);
    assertThat(e.reason()).isEqualTo("NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("organization 'nope' not found");
    ApiException pe = awaitApiFailure(store.projects().get("nope"), 404);
    assertThat(pe.getMessage()).isEqualTo("project 'nope' not found");
  }

  @Test
  void organizationsAndProjectsHaveSeparateIdSpaces() {
    await(store.organizations().create(org("same")));
    Project p = project("same", "same");
    await(store.projects().create(p));
    assertThat(await(store.projects().get("same"))).isEqualTo(p);
    assertThat(await(store.organizations().get("same")).id()).isEqualTo("same");
  }

  @Test
  void projectWithUnknownOrganizationFailsWith400AndStoresNothing() {
    ApiException e = awaitApiFailure(store.projects().create(project("orphan", "ghost")), 400);
    assertThat(e.reason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(e.getMessage()).isEqualTo("organization 'ghost' does not exist");
    assertThat(e.details()).singleElement().satisfies(d -> {
      assertThat(d.get("@type")).isEqualTo("BadRequest");
      assertThat((List<?>) d.get("fieldViolations")).singleElement()
          .isEqualTo(Map.of("field", "organizationId", "description", "organization 'ghost' does not exist"));
    });
    awaitApiFailure(store.projects().get("orphan"), 404);
    assertThat(await(store.projects().list(query(10, null))).items()).isEmpty();
    // the id is still free once the organization exists
    await(store.organizations().create(org("ghost")));
    await(store.projects().create(project("orphan", "ghost")));
  }

  // ---------------------------------------------------------------- update

  @Test
  void updateIsCompareAndSetOnVersion() {
    Organization v1 = await(store.organizations().create(org("cas")));
    Organization v2 = v1.withChanges("New name", null, v1.updatedAt().plusMillis(7));
    assertThat(await(store.organizations().update(v2))).isEqualTo(v2);
    assertThat(await(store.organizations().get("cas"))).isEqualTo(v2);
    assertThat(v2.version()).isEqualTo(2);

    Organization v3 = v2.withChanges(null, "described", v2.updatedAt().plusMillis(1));
    assertThat(await(store.organizations().update(v3))).isEqualTo(v3);
    assertThat(await(store.organizations().get("cas"))).isEqualTo(v3);

    Project p1 = await(store.projects().create(project("cas-p", "cas")));
    Project p2 = p1.withChanges("P", "D", Clock.now());
    assertThat(await(store.projects().update(p2))).isEqualTo(p2);
    assertThat(await(store.projects().get("cas-p"))).isEqualTo(p2);
  }

  @Test
  void updateFromAStaleVersionFailsWith412AndChangesNothing() {
    Organization v1 = await(store.organizations().create(org("stale")));
    Organization v2 = await(store.organizations().update(v1.withChanges("a", "a", Clock.now())));

    ApiException e = awaitApiFailure(store.organizations().update(v1.withChanges("b", "b", Clock.now())), 412);
    assertThat(e.reason()).isEqualTo("PRECONDITION_FAILED");
    // skipping a version or not bumping it is just as wrong
    Organization skip = new Organization("stale", v1.uid(), "c", "c", v1.createdAt(), Clock.now(), 4);
    awaitApiFailure(store.organizations().update(skip), 412);
    Organization same = new Organization("stale", v1.uid(), "d", "d", v1.createdAt(), Clock.now(), 2);
    awaitApiFailure(store.organizations().update(same), 412);
    assertThat(await(store.organizations().get("stale"))).isEqualTo(v2);

    Project p1 = await(store.projects().create(project("stale-p", "stale")));
    await(store.projects().update(p1.withChanges("x", null, Clock.now())));
    awaitApiFailure(store.projects().update(p1.withChanges("y", null, Clock.now())), 412);
  }

  @Test
  void updateOfAMissingResourceFailsWith404() {
    Organization ghost = org("ghost").withChanges("x", "y", Clock.now());
    ApiException e = awaitApiFailure(store.organizations().update(ghost), 404);
    assertThat(e.reason()).isEqualTo("NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("organization 'ghost' not found");
    awaitApiFailure(store.organizations().get("ghost"), 404);

    await(store.organizations().create(org("o")));
    awaitApiFailure(store.projects().update(project("ghost-p", "o").withChanges("x", "y", Clock.now())), 404);
  }

  @Test
  void updateKeepsTheImmutableFields() {
    Organization v1 = await(store.organizations().create(org("imm")));
    await(store.organizations().create(org("other")));
    Instant later = v1.createdAt().plusSeconds(3600);
    Organization tampered = new Organization("imm", UUID.randomUUID(), "n", "d", later, later, 2);
    Organization expected = new Organization("imm", v1.uid(), "n", "d", v1.createdAt(), later, 2);
    assertThat(await(store.organizations().update(tampered))).isEqualTo(expected);
    assertThat(await(store.organizations().get("imm"))).isEqualTo(expected);
    assertThat(ids(await(store.organizations().list(query(10, null))).items())).containsExactly("imm", "other");

    Project p1 = await(store.projects().create(project("imm-p", "imm")));
    Project moved = new Project("imm-p", UUID.randomUUID(), "other", "n", "d", later, later, 2);
    Project expectedP = new Project("imm-p", p1.uid(), "imm", "n", "d", p1.createdAt(), later, 2);
    assertThat(await(store.projects().update(moved))).isEqualTo(expectedP);
    assertThat(await(store.projects().get("imm-p"))).isEqualTo(expectedP);
    // still imm's project: imm cannot be deleted, other can
    awaitApiFailure(store.organizations().delete("imm", null), 409);
    await(store.organizations().delete("other", null));
  }

  // ---------------------------------------------------------------- delete

  @Test
  void deleteWithoutExpectedVersionDeletesWhateverIsStored() {
    Organization v1 = await(store.organizations().create(org("del")));
    await(store.organizations().update(v1.withChanges("x", null, Clock.now())));
    await(store.organizations().delete("del", null));
    awaitApiFailure(store.organizations().get("del"), 404);
    assertThat(await(store.organizations().list(query(10, null))).items()).isEmpty();
  }

  @Test
  void deleteWithExpectedVersionChecksIt() {
    Organization v1 = await(store.organizations().create(org("delv")));
    Organization v2 = await(store.organizations().update(v1.withChanges("x", null, Clock.now())));
    ApiException e = awaitApiFailure(store.organizations().delete("delv", 1L), 412);
    assertThat(e.reason()).isEqualTo("PRECONDITION_FAILED");
    awaitApiFailure(store.organizations().delete("delv", 3L), 412);
    assertThat(await(store.organizations().get("delv"))).isEqualTo(v2);
    await(store.organizations().delete("delv", 2L));
    awaitApiFailure(store.organizations().get("delv"), 404);

    await(store.organizations().create(org("o")));
    Project p = await(store.projects().create(project("p", "o")));
    awaitApiFailure(store.projects().delete("p", 2L), 412);
    assertThat(await(store.projects().get("p"))).isEqualTo(p);
    await(store.projects().delete("p", 1L));
    awaitApiFailure(store.projects().get("p"), 404);
  }

  @Test
  void deleteOfAMissingResourceFailsWith404() {
    ApiException e = awaitApiFailure(store.organizations().delete("none", null), 404);
    assertThat(e.reason()).isEqualTo("NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("organization 'none' not found");
    awaitApiFailure(store.organizations().delete("none", 1L), 404);
    awaitApiFailure(store.projects().delete("none", null), 404);
    awaitApiFailure(store.projects().delete("none", 1L), 404);

    await(store.organizations().create(org("twice")));
    await(store.organizations().delete("twice", null));
    awaitApiFailure(store.organizations().delete("twice", null), 404);
  }

  @Test
  void aDeletedIdCanBeCreatedAgain() {
    await(store.organizations().create(org("again")));
    await(store.organizations().delete("again", 1L));
    Organization fresh = org("again");
    assertThat(await(store.organizations().create(fresh))).isEqualTo(fresh);
    assertThat(await(store.organizations().get("again"))).isEqualTo(fresh);
  }

  @Test
  void deletingAnOrganizationWithProjectsFailsWith409AndDeletesNothing() {
    Organization o = await(store.organizations().create(org("parent")));
    Project a = await(store.projects().create(project("a", "parent")));
    Project b = await(store.projects().create(project("b", "parent")));

    ApiException e = awaitApiFailure(store.organizations().delete("parent", null), 409);
    assertThat(e.reason()).isEqualTo("FAILED_PRECONDITION");
    assertThat(e.getMessage()).isEqualTo("organization 'parent' still has projects; delete them first");
    awaitApiFailure(store.organizations().delete("parent", 1L), 409);
    // a version mismatch is reported first
    awaitApiFailure(store.organizations().delete("parent", 9L), 412);

    assertThat(await(store.organizations().get("parent"))).isEqualTo(o);
    assertThat(await(store.projects().list(query(10, null))).items()).containsExactly(a, b);

    await(store.projects().delete("a", null));
    awaitApiFailure(store.organizations().delete("parent", null), 409);
    await(store.projects().delete("b", null));
    await(store.organizations().delete("parent", 1L));
    awaitApiFailure(store.organizations().get("parent"), 404);
    awaitApiFailure(store.projects().create(project("c", "parent")), 400);
  }

  // ---------------------------------------------------------------- list

  @Test
  void listOfAnEmptyStoreIsOneEmptyLastPage() {
    Page<Organization> page = await(store.organizations().list(query(50, null)));
    assertThat(page.items()).isEmpty();
    assertThat(page.next()).isNull();
    Page<Project> pp = await(store.projects().list(new ListQuery(Map.of("organizationId", "x"), null, 1)));
    assertThat(pp.items()).isEmpty();
    assertThat(pp.next()).isNull();
  }

  @Test
  void listOrdersByCreatedAtThenIdUsingJavaStringOrder() {
    Instant t0 = Clock.now().minusSeconds(60);
    List<Organization> all = new ArrayList<>();
    // ties on createdAt with ids whose order differs between byte order and natural-language collations
    for (String id : List.of("ab", "a-c", "a1", "a-a", "b", "a", "a0", "aa", "a-")) {
      all.add(org(id, t0));
    }
    all.add(org("z-first", t0.minusMillis(1)));
    all.add(org("a-last", t0.plusMillis(1)));
    all.add(org("m-middle", t0.plusMillis(1)));
    List<Organization> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(42));
    for (Organization o : shuffled) {
      await(store.organizations().create(o));
    }
    all.sort(ORDER);
    Page<Organization> page = await(store.organizations().list(query(500, null)));
    assertThat(page.items()).containsExactlyElementsOf(all);
    assertThat(page.next()).isNull();
    assertThat(ids(page.items()).subList(0, 3)).containsExactly("z-first", "a", "a-");
    assertThat(ids(page.items()).subList(all.size() - 2, all.size())).containsExactly("a-last", "m-middle");
    // and the same order through pages of every size
    for (int limit = 1; limit <= all.size() + 1; limit++) {
      assertThat(listAll(store.organizations()::list, Map.of(), limit)).containsExactlyElementsOf(all);
    }
  }

  @Test
  void pagingHasExactBoundaries() {
    Instant t0 = Clock.now();
    List<Organization> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.add(await(store.organizations().create(org("org-" + i, t0.plusMillis(i / 2)))));
    }
    for (int limit = 1; limit <= 8; limit++) {
      List<Organization> seen = new ArrayList<>();
      PageCursor after = null;
      int pages = 0;
      while (true) {
        Page<Organization> page = await(store.organizations().list(query(limit, after)));
        pages++;
        seen.addAll(page.items());
        if (page.next() == null) {
          break;
        }
        after = page.next();
      }
      assertThat(seen).as("limit %d", limit).containsExactlyElementsOf(all);
      // no trailing empty page when the total is a multiple of the limit
      assertThat(pages).as("pages with limit %d", limit).isEqualTo((6 + limit - 1) / limit);
    }
    Page<Organization> first = await(store.organizations().list(query(3, null)));
    assertThat(first.items()).containsExactlyElementsOf(all.subList(0, 3));
    assertThat(first.next()).isEqualTo(new PageCursor(all.get(2).createdAt(), "org-2"));
    Page<Organization> second = await(store.organizations().list(query(3, first.next())));
    assertThat(second.items()).containsExactlyElementsOf(all.subList(3, 6));
    assertThat(second.next()).isNull();
    Page<Organization> exact = await(store.organizations().list(query(6, null)));
    assertThat(exact.items()).hasSize(6);
    assertThat(exact.next()).isNull();
    Page<Organization> almost = await(store.organizations().list(query(5, null)));
    assertThat(almost.next()).isEqualTo(new PageCursor(all.get(4).createdAt(), "org-4"));
    assertThat(await(store.organizations().list(query(5, almost.next()))).items()).containsExactly(all.get(5));
    // a cursor past the end answers an empty last page
    PageCursor end = new PageCursor(all.get(5).createdAt(), "org-5");
    Page<Organization> past = await(store.organizations().list(query(3, end)));
    assertThat(past.items()).isEmpty();
    assertThat(past.next()).isNull();
  }

  @Test
  void aCursorStaysValidWhenItsItemIsDeleted() {
    Instant t0 = Clock.now();
    List<Organization> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(await(store.organizations().create(org("o" + i, t0))));
    }
    Page<Organization> first = await(store.organizations().list(query(2, null)));
    await(store.organizations().delete("o1", null));
    await(store.organizations().delete("o2", null));
    Page<Organization> rest = await(store.organizations().list(query(10, first.next())));
    assertThat(ids(rest.items())).containsExactly("o3", "o4");
    assertThat(rest.next()).isNull();
  }

  @Test
  void listFiltersProjectsByOrganization() {
    Instant t0 = Clock.now();
    await(store.organizations().create(org("red", t0)));
    await(store.organizations().create(org("blue", t0)));
    await(store.organizations().create(org("empty", t0)));
    List<Project> red = new ArrayList<>();
    List<Project> blue = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      red.add(await(store.projects().create(project("r" + i, "red", t0.plusMillis(i)))));
      blue.add(await(store.projects().create(project("b" + i, "blue", t0.plusMillis(i)))));
    }
    for (int limit = 1; limit <= 8; limit++) {
      assertThat(listAll(store.projects()::list, Map.of("organizationId", "red"), limit))
          .containsExactlyElementsOf(red);
      assertThat(listAll(store.projects()::list, Map.of("organizationId", "blue"), limit))
          .containsExactlyElementsOf(blue);
    }
    assertThat(await(store.projects().list(new ListQuery(Map.of("organizationId", "empty"), null, 5))).items())
        .isEmpty();
    assertThat(await(store.projects().list(new ListQuery(Map.of("organizationId", "nope"), null, 5))).items())
        .isEmpty();
    List<Project> both = new ArrayList<>(red);
    both.addAll(blue);
    both.sort(ORDER);
    assertThat(listAll(store.projects()::list, Map.of(), 4)).containsExactlyElementsOf(both);
    // the last red page ends exactly: 7 red projects, pages of 7
    Page<Project> all = await(store.projects().list(new ListQuery(Map.of("organizationId", "red"), null, 7)));
    assertThat(all.items()).hasSize(7);
    assertThat(all.next()).isNull();
  }

  @Test
  void listRejectsUnsupportedFilters() {
    assertThat(awaitFailure(store.organizations().list(new ListQuery(Map.of("organizationId", "x"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(store.projects().list(new ListQuery(Map.of("displayName", "x"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listShowsUpdatesInPlace() {
    Instant t0 = Clock.now();
    Organization a = await(store.organizations().create(org("a", t0)));
    await(store.organizations().create(org("b", t0.plusMillis(1))));
    Organization a2 = await(store.organizations().update(a.withChanges("renamed", null, t0.plusSeconds(10))));
    List<Organization> items = await(store.organizations().list(query(10, null))).items();
    assertThat(ids(items)).containsExactly("a", "b");
    assertThat(items.get(0)).isEqualTo(a2);
  }

  @Test
  void pagingWhileItemsAreCreatedNeverSkipsOrRepeatsExistingItems() {
    Instant t0 = Clock.now().minusSeconds(3600);
    Set<String> initial = new HashSet<>();
    AtomicInteger seq = new AtomicInteger();
    // 24 items, three per createdAt, ids "m-<n>"
    for (int i = 0; i < 24; i++) {
      String id = String.format("m-%03d", i);
      await(store.organizations().create(org(id, t0.plusMillis(i / 3))));
      initial.add(id);
    }
    List<Organization> seen = new ArrayList<>();
    Set<String> createdBehind = new HashSet<>();
    PageCursor after = null;
    int pages = 0;
    while (true) {
      Page<Organization> page = await(store.organizations().list(query(4, after)));
      seen.addAll(page.items());
      if (page.next() == null) {
        break;
      }
      after = page.next();
      pages++;
      assertThat(pages).isLessThan(100);
      int n = seq.incrementAndGet();
      // same createdAt as the cursor, smaller id ("a-" < "m-"): behind the walk, never seen
      String behind = "a-" + n;
      await(store.organizations().create(org(behind, after.createdAt())));
      createdBehind.add(behind);
      // same createdAt as the cursor, greater id ("z-" > "m-"): ahead of the walk
      await(store.organizations().create(org("z-" + n, after.createdAt())));
      // an id just above the cursor's
      await(store.organizations().create(org(after.id() + "a", after.createdAt())));
      // earlier: behind the walk
      String earlier = "e-" + n;
      await(store.organizations().create(org(earlier, after.createdAt().minusMillis(1))));
      createdBehind.add(earlier);
      // later (only a few, so that the walk ends)
      if (n <= 3) {
        await(store.organizations().create(org("l-" + n, t0.plusSeconds(60 + n))));
      }
    }
    List<String> seenIds = ids(seen);
    assertThat(new HashSet<>(seenIds)).as("no repeats").hasSize(seenIds.size());
    assertThat(seenIds).as("every initial item").containsAll(initial);
    assertThat(seenIds).as("nothing behind the cursor").doesNotContainAnyElementsOf(createdBehind);
    assertThat(seen).as("in order").isSortedAccordingTo(ORDER);
    assertThat(seenIds).contains("l-1", "l-2", "l-3", "z-1");
  }

  // ---------------------------------------------------------------- concurrency

  @Test
  void concurrentCreatesOfTheSameIdLetExactlyOneWin() throws Exception {
    int n = 32;
    List<Organization> candidates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      candidates.add(org("race"));
    }
    List<Future<Organization>> results = concurrently(n, 8, i -> store.organizations().create(candidates.get(i)));
    List<Organization> winners = new ArrayList<>();
    for (Future<Organization> f : results) {
      if (f.succeeded()) {
        winners.add(f.result());
      } else {
        assertThat(f.cause()).isInstanceOf(ApiException.class);
        assertThat(((ApiException) f.cause()).status()).isEqualTo(409);
        assertThat(((ApiException) f.cause()).reason()).isEqualTo("ALREADY_EXISTS");
      }
    }
    assertThat(winners).hasSize(1);
    assertThat(await(store.organizations().get("race"))).isEqualTo(winners.get(0));
  }

  @Test
  void concurrentUpdatesFromTheSameVersionLetExactlyOneWin() throws Exception {
    Organization v1 = await(store.organizations().create(org("upd-race")));
    int n = 16;
    List<Future<Organization>> results = concurrently(n, 8,
        i -> store.organizations().update(v1.withChanges("writer " + i, null, Clock.now())));
    List<Organization> winners = new ArrayList<>();
    for (Future<Organization> f : results) {
      if (f.succeeded()) {
        winners.add(f.result());
      } else {
        assertThat(((ApiException) f.cause()).status()).isEqualTo(412);
      }
    }
    assertThat(winners).hasSize(1);
    assertThat(await(store.organizations().get("upd-race"))).isEqualTo(winners.get(0));
  }

  @Test
  void projectCreateRacingOrganizationDeleteNeverLeavesAnOrphan() throws Exception {
    for (int round = 0; round < 10; round++) {
      String o = "race-org-" + round;
      String pid = "p-" + round;
      await(store.organizations().create(org(o)));
      List<Future<Object>> results = concurrently(2, 2, i -> i == 0
          ? store.projects().create(project(pid, o)).map(p -> (Object) p)
          : store.organizations().delete(o, null).map(v -> (Object) "deleted"));
      boolean projectCreated = results.get(0).succeeded();
      boolean orgDeleted = results.get(1).succeeded();
      assertThat(projectCreated ^ orgDeleted).as("exactly one of create/delete wins in round %d", round).isTrue();
      if (projectCreated) {
        assertThat(((ApiException) results.get(1).cause()).status()).isEqualTo(409);
        assertThat(await(store.organizations().get(o)).id()).isEqualTo(o);
      } else {
        assertThat(((ApiException) results.get(0).cause()).status()).isEqualTo(400);
        awaitApiFailure(store.projects().get(pid), 404);
      }
    }
  }

  // ---------------------------------------------------------------- idempotency

  private static Instant inAnHour() {
    return Clock.now().plusSeconds(3600);
  }

  @Test
  void reserveAnswersEmptyFirstThenTheInFlightEntry() {
    IdempotencyStore idem = store.idempotency();
    assertThat(await(idem.reserve("alice", "k1", "hash-1", inAnHour()))).isEmpty();
    Optional<IdempotencyStore.Entry> again = await(idem.reserve("alice", "k1", "hash-2", inAnHour()));
    assertThat(again).isPresent();
    assertThat(again.get().requestHash()).isEqualTo("hash-1");
    assertThat(again.get().status()).isZero();
    assertThat(again.get().completed()).isFalse();
    assertThat(again.get().body()).isNull();
    assertThat(again.get().headers()).isEmpty();
  }

  @Test
  void completeStoresTheResponseForReplay() {
    IdempotencyStore idem = store.idempotency();
    await(idem.reserve("alice", "k1", "hash-1", inAnHour()));
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Location", "/v1/organizations/acme");
    headers.put("ETag", "\"1-abcdef01\"");
    headers.put("Content-Type", "application/json");
    String body = "{\"id\":\"acme\",\"displayName\":\"Äcme ✓\"}";
    await(idem.complete("alice", "k1", 201, body, headers));
    IdempotencyStore.Entry e = await(idem.reserve("alice", "k1", "hash-1", inAnHour())).orElseThrow();
    assertThat(e).isEqualTo(new IdempotencyStore.Entry("hash-1", 201, body, headers));
    assertThat(e.completed()).isTrue();

    await(idem.reserve("alice", "k2", "hash-2", inAnHour()));
    await(idem.complete("alice", "k2", 204, null, Map.of()));
    assertThat(await(idem.reserve("alice", "k2", "other", inAnHour())))
        .contains(new IdempotencyStore.Entry("hash-2", 204, null, Map.of()));
  }

  @Test
  void releaseDropsTheReservation() {
    IdempotencyStore idem = store.idempotency();
    await(idem.reserve("alice", "k1", "hash-1", inAnHour()));
    await(idem.release("alice", "k1"));
    assertThat(await(idem.reserve("alice", "k1", "hash-2", inAnHour()))).isEmpty();
    assertThat(await(idem.reserve("alice", "k1", "hash-3", inAnHour())).orElseThrow().requestHash())
        .isEqualTo("hash-2");
    // releasing a completed entry drops it too
    await(idem.complete("alice", "k1", 200, "{}", Map.of()));
    await(idem.release("alice", "k1"));
    assertThat(await(idem.reserve("alice", "k1", "hash-4", inAnHour()))).isEmpty();
  }

  @Test
  void expiredEntriesCountAsAbsent() {
    IdempotencyStore idem = store.idempotency();
    Instant past = Clock.now().minusSeconds(5);
    assertThat(await(idem.reserve("alice", "in-flight", "old", past))).isEmpty();
    assertThat(await(idem.reserve("alice", "in-flight", "new", inAnHour()))).isEmpty();
    assertThat(await(idem.reserve("alice", "in-flight", "newer", inAnHour())).orElseThrow().requestHash())
        .isEqualTo("new");

    assertThat(await(idem.reserve("alice", "done", "old", past))).isEmpty();
    await(idem.complete("alice", "done", 201, "{}", Map.of("ETag", "\"x\"")));
    Optional<IdempotencyStore.Entry> fresh = await(idem.reserve("alice", "done", "new", inAnHour()));
    assertThat(fresh).isEmpty();
    IdempotencyStore.Entry e = await(idem.reserve("alice", "done", "newer", inAnHour())).orElseThrow();
    assertThat(e).isEqualTo(new IdempotencyStore.Entry("new", 0, null, Map.of()));
  }

  @Test
  void entriesArePerPrincipalAndKey() {
    IdempotencyStore idem = store.idempotency();
    assertThat(await(idem.reserve("alice", "k", "a", inAnHour()))).isEmpty();
    assertThat(await(idem.reserve("bob", "k", "b", inAnHour()))).isEmpty();
    assertThat(await(idem.reserve("alice", "k2", "a2", inAnHour()))).isEmpty();
    await(idem.complete("bob", "k", 201, "bob's", Map.of()));
    assertThat(await(idem.reserve("alice", "k", "x", inAnHour())).orElseThrow())
        .isEqualTo(new IdempotencyStore.Entry("a", 0, null, Map.of()));
    assertThat(await(idem.reserve("bob", "k", "x", inAnHour())).orElseThrow())
        .isEqualTo(new IdempotencyStore.Entry("b", 201, "bob's", Map.of()));
    await(idem.release("alice", "k"));
    assertThat(await(idem.reserve("bob", "k", "x", inAnHour()))).isPresent();
    assertThat(await(idem.reserve("alice", "k2", "x", inAnHour()))).isPresent();
  }

  @Test
  void completeAndReleaseOfUnknownKeysDoNothing() {
    IdempotencyStore idem = store.idempotency();
    await(idem.complete("alice", "never", 201, "{}", Map.of()));
    await(idem.release("alice", "never-either"));
    assertThat(await(idem.reserve("alice", "never", "h", inAnHour()))).isEmpty();
    assertThat(await(idem.reserve("alice", "never-either", "h", inAnHour()))).isEmpty();
  }

  @Test
  void concurrentReservesOfOneKeyLetExactlyOneProceed() throws Exception {
    int n = 24;
    List<Future<Optional<IdempotencyStore.Entry>>> results = concurrently(n, 8,
        i -> store.idempotency().reserve("alice", "hot", "hash-" + i, inAnHour()));
    List<Integer> reserved = new ArrayList<>();
    Set<String> seenHashes = new HashSet<>();
    for (int i = 0; i < n; i++) {
      Optional<IdempotencyStore.Entry> r = results.get(i).result();
      assertThat(results.get(i).succeeded()).isTrue();
      if (r.isEmpty()) {
        reserved.add(i);
      } else {
        seenHashes.add(r.get().requestHash());
      }
    }
    assertThat(reserved).hasSize(1);
    assertThat(seenHashes).containsExactly("hash-" + reserved.get(0));
  }

  // ---------------------------------------------------------------- settings

  @Test
  void settingsGetOfAMissingNameIsEmpty() {
    assertThat(await(store.settings().get("missing"))).isEmpty();
  }

  @Test
  void getOrCreateStoresTheInitialValueOnce() {
    AtomicInteger calls = new AtomicInteger();
    assertThat(await(store.settings().getOrCreate("jwt.key", () -> "v" + calls.incrementAndGet())))
        .isEqualTo("v1");
    assertThat(await(store.settings().getOrCreate("jwt.key", () -> "v" + calls.incrementAndGet())))
        .isEqualTo("v1");
    assertThat(calls.get()).as("the supplier runs only when nothing is stored").isEqualTo(1);
    assertThat(await(store.settings().get("jwt.key"))).contains("v1");
    assertThat(await(store.settings().get("other"))).isEmpty();
  }

  @Test
  void putCreatesAndReplaces() {
    await(store.settings().put("pepper", "p1"));
    assertThat(await(store.settings().get("pepper"))).contains("p1");
    await(store.settings().put("pepper", "p2"));
    assertThat(await(store.settings().get("pepper"))).contains("p2");
    assertThat(await(store.settings().getOrCreate("pepper", () -> "ignored"))).isEqualTo("p2");
    String big = "{\"k\":\"" + "x✓".repeat(20_000) + "\"}";
    await(store.settings().put("big", big));
    assertThat(await(store.settings().get("big"))).contains(big);
    assertThat(await(store.settings().get("pepper"))).contains("p2");
  }

  @Test
  void concurrentGetOrCreateIsFirstWriterWins() throws Exception {
    int n = 24;
    List<Future<String>> results = concurrently(n, 8,
        i -> store.settings().getOrCreate("bootstrap", () -> "value-" + i));
    Set<String> values = new HashSet<>();
    for (Future<String> f : results) {
      values.add(await(f));
    }
    assertThat(values).hasSize(1);
    assertThat(await(store.settings().get("bootstrap"))).contains(values.iterator().next());
  }

  @Test
  void compareAndSetStoresOnlyOverTheExpectedValue() {
    assertThat(await(store.settings().compareAndSet("keys", "v0", "v1"))).as("nothing stored, v0 expected").isFalse();
    assertThat(await(store.settings().get("keys"))).isEmpty();
    assertThat(await(store.settings().compareAndSet("keys", null, "v1"))).as("absent expected").isTrue();
    assertThat(await(store.settings().compareAndSet("keys", null, "other"))).as("no longer absent").isFalse();
    assertThat(await(store.settings().compareAndSet("keys", "v0", "v2"))).isFalse();
    assertThat(await(store.settings().get("keys"))).contains("v1");
    assertThat(await(store.settings().compareAndSet("keys", "v1", "v2"))).isTrue();
    assertThat(await(store.settings().get("keys"))).contains("v2");
    String big = "{\"k\":\"" + "x✓".repeat(20_000) + "\"}";
    assertThat(await(store.settings().compareAndSet("keys", "v2", big))).isTrue();
    assertThat(await(store.settings().compareAndSet("keys", big, "v3"))).as("long values compare exactly").isTrue();
    assertThat(await(store.settings().get("keys"))).contains("v3");
  }

  @Test
  void concurrentCompareAndSetOverOneValueHasOneWinner() throws Exception {
    await(store.settings().put("keys", "start"));
    int n = 24;
    List<Future<Boolean>> results = concurrently(n, 8,
        i -> store.settings().compareAndSet("keys", "start", "value-" + i));
    int won = 0;
    for (Future<Boolean> f : results) {
      won += await(f) ? 1 : 0;
    }
    assertThat(won).isEqualTo(1);
    assertThat(await(store.settings().get("keys")).orElseThrow()).startsWith("value-");
  }

  // ---------------------------------------------------------------- store

  @Test
  void pingSucceeds() {
    await(store.ping());
  }
}
