package io.k0rdent.api.core.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
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
import java.util.function.Predicate;
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

  // ---------------------------------------------------------------- service accounts

  protected static ServiceAccount serviceAccount(String id, String organizationId, String scope, String scopeId,
                                                 Instant createdAt) {
    return new ServiceAccount(id, UUID.randomUUID(), organizationId, ServiceAccount.clientIdOf(id, organizationId),
        scope, scopeId, List.of("viewer"), ServiceAccount.ACTIVE, "SA " + id, "about " + id, "alice", createdAt,
        createdAt, 1);
  }

  /** An organization-scoped service account created now. */
  protected static ServiceAccount serviceAccount(String id, String organizationId) {
    return serviceAccount(id, organizationId, "organization", organizationId, Clock.now());
  }

  private static void assertScopeIdViolation(Future<?> f, String description) {
    ApiException e = awaitApiFailure(f, 400);
    assertThat(e.reason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(e.getMessage()).isEqualTo(description);
    assertThat(e.details()).singleElement().satisfies(d -> assertThat((List<?>) d.get("fieldViolations"))
        .singleElement().isEqualTo(Map.of("field", "scopeId", "description", description)));
  }

  @Test
  void serviceAccountsRoundTripEveryField() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    await(store.projects().create(project("train", "acme", t)));
    ServiceAccount sa = new ServiceAccount("ci", UUID.randomUUID(), "acme", ServiceAccount.clientIdOf("ci", "acme"),
        "project", "train", List.of("writer", "admin", "viewer"), ServiceAccount.DISABLED, "CI ✓", "builds",
        "user:alice", t, t.plusMillis(3), 1);
    assertThat(await(store.serviceAccounts().create(sa))).isEqualTo(sa);
    assertThat(await(store.serviceAccounts().get("ci"))).isEqualTo(sa);
    ServiceAccount bare = new ServiceAccount("bare", UUID.randomUUID(), "acme", "bare@acme.iam", "organization",
        "acme", List.of(), ServiceAccount.ACTIVE, null, null, null, t, t, 1);
    assertThat(await(store.serviceAccounts().create(bare))).isEqualTo(bare);
    assertThat(await(store.serviceAccounts().get("bare"))).isEqualTo(bare);

    ApiException dup = awaitApiFailure(store.serviceAccounts().create(serviceAccount("ci", "acme")), 409);
    assertThat(dup.reason()).isEqualTo("ALREADY_EXISTS");
    assertThat(dup.getMessage()).isEqualTo("service account 'ci' already exists");
    ApiException missing = awaitApiFailure(store.serviceAccounts().get("nope"), 404);
    assertThat(missing.getMessage()).isEqualTo("service account 'nope' not found");
    assertThat(await(store.serviceAccounts().get("ci"))).isEqualTo(sa);
  }

  @Test
  void serviceAccountUpdateReplacesTheUpdatableFieldsAndKeepsTheRest() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    await(store.organizations().create(org("other", t)));
    await(store.projects().create(project("p", "other", t)));
    ServiceAccount v1 = await(store.serviceAccounts().create(serviceAccount("sa", "acme")));
    Instant later = t.plusSeconds(60);
    ServiceAccount tampered = new ServiceAccount("sa", UUID.randomUUID(), "other", "x@other.iam", "project", "p",
        List.of("b", "a"), ServiceAccount.DISABLED, "renamed", null, "mallory", later, later, 2);
    ServiceAccount v2 = v1.withChanges("renamed", null, List.of("b", "a"), ServiceAccount.DISABLED, later);
    assertThat(await(store.serviceAccounts().update(tampered))).isEqualTo(v2);
    assertThat(await(store.serviceAccounts().get("sa"))).isEqualTo(v2);

    ServiceAccount v3 = v2.withChanges(null, "d", List.of(), ServiceAccount.ACTIVE, later.plusMillis(1));
    assertThat(await(store.serviceAccounts().update(v3))).isEqualTo(v3);
    assertThat(await(store.serviceAccounts().get("sa"))).isEqualTo(v3);

    ApiException stale = awaitApiFailure(store.serviceAccounts().update(v2.withChanges("x", null, List.of(),
        ServiceAccount.ACTIVE, Clock.now())), 412);
    assertThat(stale.getMessage()).isEqualTo("service account 'sa' was changed by another request");
    awaitApiFailure(store.serviceAccounts().update(serviceAccount("ghost", "acme").withChanges("x", null, List.of(),
        ServiceAccount.ACTIVE, Clock.now())), 404);
    assertThat(await(store.serviceAccounts().get("sa"))).isEqualTo(v3);
    // still acme's organization-scoped account: the project and the other organization are free
    await(store.projects().delete("p", null));
    await(store.organizations().delete("other", null));
    awaitApiFailure(store.organizations().delete("acme", null), 409);
  }

  @Test
  void serviceAccountDeleteChecksTheVersion() {
    await(store.organizations().create(org("acme")));
    ServiceAccount v1 = await(store.serviceAccounts().create(serviceAccount("sa", "acme")));
    await(store.serviceAccounts().update(v1.withChanges("x", null, List.of(), ServiceAccount.ACTIVE, Clock.now())));
    awaitApiFailure(store.serviceAccounts().delete("sa", 1L), 412);
    await(store.serviceAccounts().delete("sa", 2L));
    awaitApiFailure(store.serviceAccounts().get("sa"), 404);
    awaitApiFailure(store.serviceAccounts().delete("sa", null), 404);
  }

  @Test
  void listFiltersServiceAccounts() {
    Instant t0 = Clock.now();
    await(store.organizations().create(org("red", t0)));
    await(store.organizations().create(org("blue", t0)));
    await(store.projects().create(project("rp", "red", t0)));
    await(store.projects().create(project("rq", "red", t0)));
    List<ServiceAccount> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String org = i % 3 == 0 ? "blue" : "red";
      String scope = i % 3 == 1 ? "project" : "organization";
      String scopeId = scope.equals("organization") ? org : (i % 2 == 0 ? "rp" : "rq");
      String id = "sa-" + (char) ('a' + i);
      Instant t = t0.plusMillis(i / 2);
      all.add(await(store.serviceAccounts().create(new ServiceAccount(id, UUID.randomUUID(), org,
          ServiceAccount.clientIdOf(id, org), scope, scopeId, List.of("viewer"),
          i % 4 == 0 ? ServiceAccount.DISABLED : ServiceAccount.ACTIVE, null, null, "alice", t, t, 1))));
    }
    Map<Map<String, String>, Predicate<ServiceAccount>> cases = new LinkedHashMap<>();
    cases.put(Map.of(), sa -> true);
    cases.put(Map.of("organizationId", "red"), sa -> sa.organizationId().equals("red"));
    cases.put(Map.of("organizationId", "blue"), sa -> sa.organizationId().equals("blue"));
    cases.put(Map.of("scope", "project"), sa -> sa.scope().equals("project"));
    cases.put(Map.of("scope", "organization"), sa -> sa.scope().equals("organization"));
    cases.put(Map.of("scopeId", "rp"), sa -> sa.scopeId().equals("rp"));
    cases.put(Map.of("scopeId", "red"), sa -> sa.scopeId().equals("red"));
    cases.put(Map.of("status", "disabled"), sa -> !sa.active());
    cases.put(Map.of("status", "active"), ServiceAccount::active);
    cases.put(Map.of("organizationId", "red", "scope", "organization", "status", "active"),
        sa -> sa.organizationId().equals("red") && sa.scope().equals("organization") && sa.active());
    cases.put(Map.of("organizationId", "blue", "scopeId", "rq"), sa -> false);
    cases.forEach((filters, which) -> {
      List<ServiceAccount> expected = all.stream().filter(which).toList();
      for (int limit : List.of(1, 2, 5, 12, 13)) {
        assertThat(listAll(store.serviceAccounts()::list, filters, limit)).as("%s, limit %d", filters, limit)
            .containsExactlyElementsOf(expected);
      }
    });
    assertThat(all.stream().filter(sa -> !sa.active())).isNotEmpty();
    assertThat(awaitFailure(store.serviceAccounts().list(new ListQuery(Map.of("createdBy", "alice"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void serviceAccountsAndApiKeysNeedTheirOrganizationAndProject() {
    await(store.organizations().create(org("red")));
    await(store.organizations().create(org("blue")));
    await(store.projects().create(project("bp", "blue")));
    Instant t = Clock.now();
    assertScopeIdViolation(store.serviceAccounts().create(serviceAccount("sa", "ghost")),
        "organization 'ghost' does not exist");
    assertScopeIdViolation(store.serviceAccounts().create(serviceAccount("sa", "red", "project", "nope", t)),
        "project 'nope' does not exist");
    // a project of another organization does not do
    assertScopeIdViolation(store.serviceAccounts().create(serviceAccount("sa", "red", "project", "bp", t)),
        "project 'bp' does not exist");
    assertThat(awaitApiFailure(store.serviceAccounts().create(serviceAccount("sa", "ghost", "project", "bp", t)),
        400).details().toString()).contains("scopeId");
    awaitApiFailure(store.serviceAccounts().get("sa"), 404);
    assertThat(await(store.serviceAccounts().list(query(10, null))).items()).isEmpty();

    assertScopeIdViolation(store.apiKeys().create(apiKey("k", "ghost", "organization", "ghost", "alice", t)),
        "organization 'ghost' does not exist");
    assertScopeIdViolation(store.apiKeys().create(apiKey("k", "red", "project", "nope", "alice", t)),
        "project 'nope' does not exist");
    assertScopeIdViolation(store.apiKeys().create(apiKey("k", "red", "project", "bp", "alice", t)),
        "project 'bp' does not exist");
    awaitApiFailure(store.apiKeys().get("k"), 404);
    assertThat(await(store.apiKeys().list(query(10, null))).items()).isEmpty();

    // and the ids are free once the scope is right
    await(store.serviceAccounts().create(serviceAccount("sa", "blue", "project", "bp", t)));
    await(store.apiKeys().create(apiKey("k", "blue", "project", "bp", "alice", t)));
  }

  @Test
  void deletingAnOrganizationOrProjectWithServiceAccountsOrApiKeysFailsWith409AndDeletesNothing() {
    Instant t = Clock.now();
    Organization o = await(store.organizations().create(org("o", t)));
    Organization k = await(store.organizations().create(org("k", t)));
    ServiceAccount sa = await(store.serviceAccounts().create(serviceAccount("sa", "o")));
    ApiKey key = await(store.apiKeys().create(apiKey("key", "k", "organization", "k", "alice", t)));
    for (String id : List.of("o", "k")) {
      ApiException e = awaitApiFailure(store.organizations().delete(id, null), 409);
      assertThat(e.reason()).isEqualTo("FAILED_PRECONDITION");
      assertThat(e.getMessage())
          .isEqualTo("organization '" + id + "' still has service accounts or API keys; delete them first");
      awaitApiFailure(store.organizations().delete(id, 1L), 409);
    }
    assertThat(await(store.organizations().get("o"))).isEqualTo(o);
    assertThat(await(store.organizations().get("k"))).isEqualTo(k);
    assertThat(await(store.serviceAccounts().get("sa"))).isEqualTo(sa);
    assertThat(await(store.apiKeys().get("key"))).isEqualTo(key);

    Project p = await(store.projects().create(project("p", "o", t)));
    Project q = await(store.projects().create(project("q", "k", t)));
    ServiceAccount psa = await(store.serviceAccounts().create(serviceAccount("psa", "o", "project", "p", t)));
    ApiKey pkey = await(store.apiKeys().create(apiKey("pkey", "k", "project", "q", "alice", t)));
    for (String id : List.of("p", "q")) {
      ApiException e = awaitApiFailure(store.projects().delete(id, null), 409);
      assertThat(e.reason()).isEqualTo("FAILED_PRECONDITION");
      assertThat(e.getMessage())
          .isEqualTo("project '" + id + "' still has service accounts or API keys; delete them first");
    }
    assertThat(await(store.projects().get("p"))).isEqualTo(p);
    assertThat(await(store.projects().get("q"))).isEqualTo(q);
    assertThat(await(store.serviceAccounts().get("psa"))).isEqualTo(psa);
    assertThat(await(store.apiKeys().get("pkey"))).isEqualTo(pkey);
    // projects are reported first
    assertThat(awaitApiFailure(store.organizations().delete("o", null), 409).getMessage())
        .isEqualTo("organization 'o' still has projects; delete them first");

    await(store.serviceAccounts().delete("psa", null));
    await(store.apiKeys().delete("pkey", null));
    await(store.projects().delete("p", null));
    await(store.projects().delete("q", 1L));
    awaitApiFailure(store.organizations().delete("o", null), 409);
    await(store.serviceAccounts().delete("sa", null));
    await(store.organizations().delete("o", null));
    awaitApiFailure(store.organizations().delete("k", null), 409);
    await(store.apiKeys().delete("key", 1L));
    await(store.organizations().delete("k", 1L));
  }

  // ---------------------------------------------------------------- credentials

  protected static ServiceAccountCredential credential(String id, String serviceAccountId, Instant expiresAt) {
    Instant t = Clock.now();
    return new ServiceAccountCredential(id, UUID.randomUUID(), serviceAccountId, "hash-" + id, expiresAt, "alice",
        null, null, t, t, 1);
  }

  /** Creates organization {@code acme} and its service accounts {@code ids}. */
  private void accounts(String... ids) {
    await(store.organizations().create(org("acme")));
    for (String id : ids) {
      await(store.serviceAccounts().create(serviceAccount(id, "acme")));
    }
  }

  @Test
  void credentialsRoundTripAndListByServiceAccount() {
    accounts("sa", "other");
    Instant t = Clock.now();
    ServiceAccountCredential c = new ServiceAccountCredential("c1", UUID.randomUUID(), "sa", "h1",
        t.plusSeconds(3600), "user:alice", t.minusSeconds(5), "10.0.0.1", t, t.plusMillis(1), 1);
    assertThat(await(store.credentials().createLimited(c, 5, t))).isEqualTo(c);
    assertThat(await(store.credentials().get("c1"))).isEqualTo(c);
    ServiceAccountCredential never = new ServiceAccountCredential("c2", UUID.randomUUID(), "sa", "h2", null, null,
        null, null, t.plusMillis(1), t.plusMillis(1), 1);
    assertThat(await(store.credentials().createLimited(never, 5, t))).isEqualTo(never);
    ServiceAccountCredential others = await(store.credentials().createLimited(credential("c3", "other", null), 5, t));
    assertThat(listAll(store.credentials()::list, Map.of("serviceAccountId", "sa"), 1)).containsExactly(c, never);
    assertThat(listAll(store.credentials()::list, Map.of("serviceAccountId", "other"), 1)).containsExactly(others);
    assertThat(listAll(store.credentials()::list, Map.of("serviceAccountId", "none"), 1)).isEmpty();

    ApiException dup = awaitApiFailure(store.credentials().createLimited(credential("c1", "sa", null), 5, t), 409);
    assertThat(dup.reason()).isEqualTo("ALREADY_EXISTS");
    assertThat(dup.getMessage()).isEqualTo("credential 'c1' already exists");
    assertThat(awaitApiFailure(store.credentials().get("nope"), 404).getMessage())
        .isEqualTo("credential 'nope' not found");
    awaitApiFailure(store.credentials().delete("c1", 2L), 412);
    await(store.credentials().delete("c1", 1L));
    awaitApiFailure(store.credentials().get("c1"), 404);
    assertThat(listAll(store.credentials()::list, Map.of("serviceAccountId", "sa"), 5)).containsExactly(never);
  }

  @Test
  void deletingAServiceAccountDeletesItsCredentials() {
    accounts("sa", "keep");
    Instant now = Clock.now();
    for (int i = 0; i < 3; i++) {
      await(store.credentials().createLimited(credential("sa-" + i, "sa", null), 5, now));
    }
    ServiceAccountCredential kept =
        await(store.credentials().createLimited(credential("keep-0", "keep", null), 5, now));
    await(store.serviceAccounts().delete("sa", null));
    for (int i = 0; i < 3; i++) {
      awaitApiFailure(store.credentials().get("sa-" + i), 404);
    }
    assertThat(await(store.credentials().list(query(10, null))).items()).containsExactly(kept);
    assertThat(await(store.credentials().activeCounts(List.of("sa", "keep"), now))).isEqualTo(Map.of("keep", 1));
    // a new account of the same id starts without credentials
    await(store.serviceAccounts().create(serviceAccount("sa", "acme")));
    assertThat(await(store.credentials().list(new ListQuery(Map.of("serviceAccountId", "sa"), null, 5))).items())
        .isEmpty();
  }

  @Test
  void credentialsOfAMissingServiceAccountFailWith404() {
    Instant now = Clock.now();
    ApiException e = awaitApiFailure(store.credentials().createLimited(credential("c", "ghost", null), 5, now), 404);
    assertThat(e.reason()).isEqualTo("NOT_FOUND");
    assertThat(e.getMessage()).isEqualTo("service account 'ghost' not found");
    assertThat(awaitApiFailure(store.credentials().create(credential("c", "ghost", null)), 404).getMessage())
        .isEqualTo("service account 'ghost' not found");
    awaitApiFailure(store.credentials().get("c"), 404);
  }

  @Test
  void createLimitedRefusesMoreThanMaxActiveCredentials() {
    accounts("sa");
    Instant now = Clock.now();
    int max = ServiceAccountCredential.MAX_ACTIVE;
    // neither an expired credential nor one expiring right now counts
    await(store.credentials().createLimited(credential("expired", "sa", now.minusSeconds(1)), max, now));
    await(store.credentials().createLimited(credential("ends-now", "sa", now), max, now));
    for (int i = 0; i < max; i++) {
      await(store.credentials().createLimited(credential("c" + i, "sa", i == 0 ? null : now.plusSeconds(60 * i)),
          max, now));
    }
    ApiException e = awaitApiFailure(store.credentials().createLimited(credential("sixth", "sa", null), max, now),
        409);
    assertThat(e.reason()).isEqualTo("FAILED_PRECONDITION");
    assertThat(e.getMessage()).isEqualTo("service account 'sa' already has 5 active credentials; delete one first");
    awaitApiFailure(store.credentials().get("sixth"), 404);
    assertThat(await(store.credentials().list(query(20, null))).items()).hasSize(max + 2);
    // once one has expired (c1, at now + 60 s) there is room again
    await(store.credentials().createLimited(credential("later", "sa", null), max, now.plusSeconds(60)));
    awaitApiFailure(store.credentials().createLimited(credential("later2", "sa", null), max, now.plusSeconds(60)), 409);
    // and after a delete
    await(store.credentials().delete("c0", null));
    await(store.credentials().createLimited(credential("sixth", "sa", null), max, now.plusSeconds(60)));
    // the limit is the caller's
    awaitApiFailure(store.credentials().createLimited(credential("x", "sa", null), 1, now), 409);
  }

  @Test
  void concurrentCreateLimitedNeverExceedsTheLimit() throws Exception {
    accounts("sa", "other", "hot");
    Instant now = Clock.now();
    int n = 20;
    List<Future<ServiceAccountCredential>> results = concurrently(n, 8, i -> store.credentials()
        .createLimited(credential("c" + i, i % 2 == 0 ? "sa" : "other", null), 5, now));
    int[] won = new int[2];
    for (int i = 0; i < n; i++) {
      Future<ServiceAccountCredential> f = results.get(i);
      if (f.succeeded()) {
        won[i % 2]++;
      } else {
        assertThat(f.cause()).isInstanceOf(ApiException.class);
        assertThat(((ApiException) f.cause()).status()).isEqualTo(409);
        assertThat(((ApiException) f.cause()).reason()).isEqualTo("FAILED_PRECONDITION");
      }
    }
    assertThat(won).containsExactly(5, 5);
    assertThat(await(store.credentials().activeCounts(List.of("sa", "other"), now)))
        .isEqualTo(Map.of("sa", 5, "other", 5));

    // one account, all at once
    List<Future<ServiceAccountCredential>> hot = concurrently(n, n, i -> store.credentials()
        .createLimited(credential("hot-" + i, "hot", null), 5, now));
    assertThat(hot.stream().filter(Future::succeeded)).hasSize(5);
    assertThat(hot.stream().filter(Future::failed).map(f -> ((ApiException) f.cause()).status()))
        .hasSize(n - 5).containsOnly(409);
    assertThat(await(store.credentials().list(new ListQuery(Map.of("serviceAccountId", "hot"), null, 50))).items())
        .hasSize(5);
  }

  @Test
  void activeCountsCountsUnexpiredCredentialsPerAccount() {
    accounts("a", "b", "none", "stale");
    Instant now = Clock.now();
    await(store.credentials().createLimited(credential("a1", "a", null), 5, now));
    await(store.credentials().createLimited(credential("a2", "a", now.plusSeconds(10)), 5, now));
    await(store.credentials().createLimited(credential("a3", "a", now.minusSeconds(10)), 5, now));
    await(store.credentials().createLimited(credential("b1", "b", now.plusSeconds(20)), 5, now));
    await(store.credentials().createLimited(credential("s1", "stale", now), 5, now));
    assertThat(await(store.credentials().activeCounts(List.of("a", "b", "none", "stale", "ghost"), now)))
        .isEqualTo(Map.of("a", 2, "b", 1));
    assertThat(await(store.credentials().activeCounts(List.of("b"), now))).isEqualTo(Map.of("b", 1));
    assertThat(await(store.credentials().activeCounts(Set.of("a", "b"), now.plusSeconds(15))))
        .isEqualTo(Map.of("a", 1, "b", 1));
    assertThat(await(store.credentials().activeCounts(List.of("a", "b"), now.minusSeconds(60))))
        .isEqualTo(Map.of("a", 3, "b", 1));
    assertThat(await(store.credentials().activeCounts(List.of(), now))).isEmpty();
  }

  @Test
  void recordUseOfCredentialsNeverGoesBackNorChangesTheVersion() {
    accounts("sa");
    Instant now = Clock.now();
    ServiceAccountCredential c1 = await(store.credentials().createLimited(credential("c1", "sa", null), 5, now));
    ServiceAccountCredential c2 = await(store.credentials().createLimited(credential("c2", "sa", null), 5, now));
    Instant t = now.plusSeconds(10);
    await(store.credentials().recordUse(Map.of("c1", new Use(t, "10.0.0.1"), "c2", new Use(t.plusMillis(1), "::1"),
        "ghost", new Use(t, "10.0.0.9"))));
    ServiceAccountCredential used = await(store.credentials().get("c1"));
    assertThat(used).isEqualTo(new ServiceAccountCredential("c1", c1.uid(), "sa", c1.secretHash(), null,
        c1.createdBy(), t, "10.0.0.1", c1.createdAt(), c1.updatedAt(), 1));
    assertThat(await(store.credentials().get("c2")).lastUsedAt()).isEqualTo(t.plusMillis(1));
    assertThat(await(store.credentials().get("c2")).lastUsedIp()).isEqualTo("::1");
    awaitApiFailure(store.credentials().get("ghost"), 404);

    // an older use is ignored, a later one wins
    await(store.credentials().recordUse(Map.of("c1", new Use(t.minusSeconds(1), "10.0.0.2"))));
    assertThat(await(store.credentials().get("c1"))).isEqualTo(used);
    await(store.credentials().recordUse(Map.of("c1", new Use(t.plusSeconds(1), "10.0.0.3"))));
    ServiceAccountCredential later = await(store.credentials().get("c1"));
    assertThat(later.lastUsedAt()).isEqualTo(t.plusSeconds(1));
    assertThat(later.lastUsedIp()).isEqualTo("10.0.0.3");
    assertThat(later.version()).isEqualTo(1);
    assertThat(later.updatedAt()).isEqualTo(c1.updatedAt());
    await(store.credentials().recordUse(Map.of()));
    assertThat(await(store.credentials().get("c2")).version()).isEqualTo(c2.version());
  }

  // ---------------------------------------------------------------- API keys

  protected static ApiKey apiKey(String id, String organizationId, String scope, String scopeId, String createdBy,
                                 Instant createdAt) {
    return new ApiKey(id, UUID.randomUUID(), organizationId, scope, scopeId, List.of("viewer"), ApiKey.ACTIVE,
        createdAt.plusSeconds(86_400), createdBy, "user", "hash-" + id, null, null, null, null, null, "Key " + id,
        "about " + id, createdAt, createdAt, 1);
  }

  @Test
  void apiKeysRoundTripEveryField() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    await(store.projects().create(project("train", "acme", t)));
    ApiKey k = new ApiKey("k1", UUID.randomUUID(), "acme", "project", "train", List.of("writer", "admin"),
        ApiKey.DISABLED, t.plusSeconds(3600), "user:alice", "service_account", "h-new", "h-old", t.plusSeconds(60),
        t.minusSeconds(1), t.minusSeconds(2), "192.0.2.1", "CI key ✓", "for CI", t, t.plusMillis(2), 1);
    assertThat(await(store.apiKeys().create(k))).isEqualTo(k);
    assertThat(await(store.apiKeys().get("k1"))).isEqualTo(k);
    ApiKey bare = new ApiKey("bare", UUID.randomUUID(), "acme", "organization", "acme", List.of(), ApiKey.ACTIVE,
        null, "alice", "user", "h", null, null, null, null, null, null, null, t, t, 1);
    assertThat(await(store.apiKeys().create(bare))).isEqualTo(bare);
    assertThat(await(store.apiKeys().get("bare"))).isEqualTo(bare);

    ApiException dup = awaitApiFailure(store.apiKeys().create(apiKey("k1", "acme", "organization", "acme", "a", t)),
        409);
    assertThat(dup.reason()).isEqualTo("ALREADY_EXISTS");
    assertThat(dup.getMessage()).isEqualTo("API key 'k1' already exists");
    assertThat(awaitApiFailure(store.apiKeys().get("nope"), 404).getMessage()).isEqualTo("API key 'nope' not found");
  }

  @Test
  void apiKeyUpdateReplacesTheUpdatableFieldsAndKeepsTheRest() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    await(store.organizations().create(org("other", t)));
    ApiKey v1 = await(store.apiKeys().create(apiKey("k", "acme", "organization", "acme", "alice", t)));
    await(store.apiKeys().recordUse(Map.of("k", new Use(t.plusSeconds(1), "10.0.0.1"))));
    Instant later = t.plusSeconds(60);
    // every field changed; the immutable ones and the usage fields keep their stored values
    ApiKey tampered = new ApiKey("k", UUID.randomUUID(), "other", "project", "p", List.of("admin"), ApiKey.DISABLED,
        later.plusSeconds(1), "mallory", "service_account", "h2", "h1", later.plusSeconds(30), later, null, null,
        "renamed", "described", later, later, 2);
    ApiKey expected = new ApiKey("k", v1.uid(), "acme", "organization", "acme", List.of("admin"), ApiKey.DISABLED,
        v1.expiresAt(), "alice", "user", "h2", "h1", later.plusSeconds(30), later, t.plusSeconds(1), "10.0.0.1",
        "renamed", "described", v1.createdAt(), later, 2);
    assertThat(await(store.apiKeys().update(tampered))).isEqualTo(expected);
    assertThat(await(store.apiKeys().get("k"))).isEqualTo(expected);

    ApiKey rotated = expected.rotated("h3", later.plusSeconds(5), later.plusSeconds(1));
    assertThat(await(store.apiKeys().update(rotated))).isEqualTo(rotated);
    ApiKey v4 = rotated.withChanges(null, null, List.of(), ApiKey.ACTIVE, later.plusSeconds(2));
    assertThat(await(store.apiKeys().update(v4))).isEqualTo(v4);
    assertThat(await(store.apiKeys().get("k"))).isEqualTo(v4);
    assertThat(v4.previousSecretHash()).isEqualTo("h2");

    ApiException stale = awaitApiFailure(store.apiKeys().update(rotated.rotated("h9", null, Clock.now())), 412);
    assertThat(stale.getMessage()).isEqualTo("API key 'k' was changed by another request");
    awaitApiFailure(store.apiKeys().update(apiKey("ghost", "acme", "organization", "acme", "a", t)
        .withChanges("x", null, List.of(), ApiKey.ACTIVE, Clock.now())), 404);
    assertThat(await(store.apiKeys().get("k"))).isEqualTo(v4);
    await(store.organizations().delete("other", null));
  }

  @Test
  void listFiltersApiKeys() {
    Instant t0 = Clock.now();
    await(store.organizations().create(org("red", t0)));
    await(store.organizations().create(org("blue", t0)));
    await(store.projects().create(project("rp", "red", t0)));
    List<ApiKey> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String org = i % 3 == 0 ? "blue" : "red";
      boolean inProject = i % 3 == 1;
      ApiKey k = apiKey("k-" + (char) ('l' - i), org, inProject ? "project" : "organization", inProject ? "rp" : org,
          i % 2 == 0 ? "alice" : "bob", t0.plusMillis(i / 3));
      if (i % 4 == 0) {
        k = new ApiKey(k.id(), k.uid(), k.organizationId(), k.scope(), k.scopeId(), k.roles(), ApiKey.DISABLED,
            k.expiresAt(), k.createdBy(), k.creatorType(), k.secretHash(), null, null, null, null, null,
            k.displayName(), k.description(), k.createdAt(), k.updatedAt(), 1);
      }
      all.add(await(store.apiKeys().create(k)));
    }
    all.sort(ORDER);
    Map<Map<String, String>, Predicate<ApiKey>> cases = new LinkedHashMap<>();
    cases.put(Map.of(), k -> true);
    cases.put(Map.of("organizationId", "red"), k -> k.organizationId().equals("red"));
    cases.put(Map.of("scope", "project"), k -> k.scope().equals("project"));
    cases.put(Map.of("scopeId", "blue"), k -> k.scopeId().equals("blue"));
    cases.put(Map.of("status", "disabled"), k -> k.status().equals(ApiKey.DISABLED));
    cases.put(Map.of("createdBy", "bob"), k -> k.createdBy().equals("bob"));
    cases.put(Map.of("createdBy", "alice", "organizationId", "red", "status", "active"),
        k -> k.createdBy().equals("alice") && k.organizationId().equals("red") && k.status().equals(ApiKey.ACTIVE));
    cases.put(Map.of("createdBy", "carol"), k -> false);
    cases.forEach((filters, which) -> {
      List<ApiKey> expected = all.stream().filter(which).toList();
      for (int limit : List.of(1, 3, 12, 13)) {
        assertThat(listAll(store.apiKeys()::list, filters, limit)).as("%s, limit %d", filters, limit)
            .containsExactlyElementsOf(expected);
      }
    });
    assertThat(awaitFailure(store.apiKeys().list(new ListQuery(Map.of("serviceAccountId", "x"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void recordUseOfApiKeysNeverGoesBackNorChangesTheVersion() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    ApiKey a = await(store.apiKeys().create(apiKey("a", "acme", "organization", "acme", "alice", t)));
    ApiKey b = await(store.apiKeys().create(apiKey("b", "acme", "organization", "acme", "alice", t)));
    Instant u = t.plusSeconds(5);
    await(store.apiKeys().recordUse(Map.of("a", new Use(u, "10.0.0.1"), "ghost", new Use(u, "10.0.0.2"))));
    ApiKey used = await(store.apiKeys().get("a"));
    assertThat(used).isEqualTo(new ApiKey("a", a.uid(), "acme", "organization", "acme", a.roles(), a.status(),
        a.expiresAt(), "alice", "user", a.secretHash(), null, null, null, u, "10.0.0.1", a.displayName(),
        a.description(), a.createdAt(), a.updatedAt(), 1));
    assertThat(await(store.apiKeys().get("b"))).isEqualTo(b);
    await(store.apiKeys().recordUse(Map.of("a", new Use(u.minusMillis(1), "10.0.0.3"), "b", new Use(u, "::1"))));
    assertThat(await(store.apiKeys().get("a"))).isEqualTo(used);
    assertThat(await(store.apiKeys().get("b")).lastUsedIp()).isEqualTo("::1");
    assertThat(await(store.apiKeys().get("b")).version()).isEqualTo(1);
    // an update from the version read before the use still applies
    ApiKey v2 = await(store.apiKeys().update(a.withChanges("x", null, a.roles(), a.status(), Clock.now())));
    assertThat(v2.lastUsedAt()).isEqualTo(u);
    assertThat(v2.lastUsedIp()).isEqualTo("10.0.0.1");
  }

  // ---------------------------------------------------------------- revocations, role sets

  @Test
  void revocationsKeepTheLaterExpiryAndDropExpiredOnes() {
    Instant now = Clock.now();
    RevocationStore r = store.revocations();
    assertThat(await(r.active(now))).isEmpty();
    await(r.revoke("a", now.plusSeconds(60)));
    await(r.revoke("a", now.plusSeconds(30)));
    await(r.revoke("b", now.plusSeconds(10)));
    await(r.revoke("b", now.plusSeconds(20)));
    await(r.revoke("gone", now.minusSeconds(1)));
    await(r.revoke("ends-now", now));
    assertThat(await(r.active(now))).isEqualTo(Map.of("a", now.plusSeconds(60), "b", now.plusSeconds(20)));
    // the expired ones were dropped: an earlier "now" does not bring them back
    assertThat(await(r.active(now.minusSeconds(5))))
        .isEqualTo(Map.of("a", now.plusSeconds(60), "b", now.plusSeconds(20)));
    assertThat(await(r.active(now.plusSeconds(20)))).isEqualTo(Map.of("a", now.plusSeconds(60)));
    assertThat(await(r.active(now))).isEqualTo(Map.of("a", now.plusSeconds(60)));
    // revoking again after the drop records it anew
    await(r.revoke("b", now.plusSeconds(90)));
    assertThat(await(r.active(now))).isEqualTo(Map.of("a", now.plusSeconds(60), "b", now.plusSeconds(90)));
  }

  @Test
  void roleSetsKeepTheFirstRolesOfAnId() {
    RoleSetStore rs = store.roleSets();
    assertThat(await(rs.get("unknown"))).isEmpty();
    await(rs.put("s1", List.of("admin", "viewer")));
    await(rs.put("s1", List.of("other")));
    assertThat(await(rs.get("s1"))).contains(List.of("admin", "viewer"));
    await(rs.put("empty", List.of()));
    assertThat(await(rs.get("empty"))).contains(List.of());
    await(rs.put("s2", List.of("z", "a ✓")));
    assertThat(await(rs.get("s2"))).contains(List.of("z", "a ✓"));
    assertThat(await(rs.get("s1"))).contains(List.of("admin", "viewer"));
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
