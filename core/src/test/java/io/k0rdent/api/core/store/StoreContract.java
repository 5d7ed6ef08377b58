package io.k0rdent.api.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.ApiKey;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Group;
import io.k0rdent.api.core.resource.GroupMember;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Policy;
import io.k0rdent.api.core.resource.PrincipalRef;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Resource;
import io.k0rdent.api.core.resource.Role;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.core.resource.ServiceAccountCredential;
import io.k0rdent.api.core.resource.User;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Store} adapter must have. An adapter's test extends this class and
 * supplies a fresh, empty store per test ({@link #createStore()}) and its disposal
 * ({@link #destroyStore(Store)}); see {@link StoreSuite}.
 */
public abstract class StoreContract extends StoreSuite {

  // ---------------------------------------------------------------- helpers




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

  // ---------------------------------------------------------------- users, roles, groups

  protected static User user(String id, String organizationId, String email, Instant createdAt) {
    return new User(id, UUID.randomUUID(), organizationId, email, "User " + id, User.ACTIVE, createdAt, createdAt, 1);
  }

  /** A user created now, email {@code <id>@example.com}. */
  protected static User user(String id, String organizationId) {
    return user(id, organizationId, id + "@example.com", Clock.now());
  }

  protected static Role role(String id, String organizationId, Instant createdAt) {
    return new Role(id, UUID.randomUUID(), organizationId, "Role " + id, "about " + id,
        List.of("compute.clusters.get", "compute.*"), createdAt, createdAt, 1);
  }

  protected static Role role(String id, String organizationId) {
    return role(id, organizationId, Clock.now());
  }

  protected static Group group(String id, String organizationId, Instant createdAt) {
    return new Group(id, UUID.randomUUID(), organizationId, "Group " + id, "about " + id, createdAt, createdAt, 1);
  }

  protected static Group group(String id, String organizationId) {
    return group(id, organizationId, Clock.now());
  }

  protected static GroupMember member(String id, String groupId, String userId, Instant createdAt) {
    return new GroupMember(id, UUID.randomUUID(), groupId, userId, "alice", createdAt, createdAt, 1);
  }

  protected static GroupMember member(String id, String groupId, String userId) {
    return member(id, groupId, userId, Clock.now());
  }

  protected static Policy policy(String id, String organizationId, String role, PrincipalRef principal,
                                 String scopeType, String scopeResource, Instant createdAt) {
    return new Policy(id, UUID.randomUUID(), organizationId, "Policy " + id, "about " + id, role, principal.type(),
        principal.id(), scopeType, scopeResource, Policy.ALLOW, createdAt, createdAt, 1);
  }

  /** An organization-scoped binding of {@code organizationId}, created now. */
  protected static Policy policy(String id, String organizationId, String role, PrincipalRef principal) {
    return policy(id, organizationId, role, principal, Policy.ORG, null, Clock.now());
  }

  /** A platform-scoped binding (no organization), created now. */
  protected static Policy platformPolicy(String id, String role, PrincipalRef principal) {
    return policy(id, null, role, principal, Policy.PLATFORM, null, Clock.now());
  }

  private static ApiException assertFieldViolation(Future<?> f, String field, String description) {
    ApiException e = awaitApiFailure(f, 400);
    assertThat(e.reason()).isEqualTo("INVALID_ARGUMENT");
    assertThat(e.getMessage()).isEqualTo(description);
    assertThat(e.details()).singleElement().satisfies(d -> assertThat((List<?>) d.get("fieldViolations"))
        .singleElement().isEqualTo(Map.of("field", field, "description", description)));
    return e;
  }

  private static ApiException assertConflict(Future<?> f, String reason, String message) {
    ApiException e = awaitApiFailure(f, 409);
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.getMessage()).isEqualTo(message);
    return e;
  }

  @Test
  void usersRoundTripEveryField() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    User u = new User("alice", UUID.randomUUID(), "acme", "Alice.Example+gpu@Example.COM", "Älice ✓ \"A\"",
        User.SUSPENDED, t, t.plusMillis(2), 1);
    assertThat(await(store.users().create(u))).isEqualTo(u);
    assertThat(await(store.users().get("alice"))).isEqualTo(u);
    User bare = new User("bare", UUID.randomUUID(), "acme", "bare@example.com", null, User.ACTIVE, t, t, 1);
    assertThat(await(store.users().create(bare))).isEqualTo(bare);
    assertThat(await(store.users().get("bare"))).isEqualTo(bare);

    assertConflict(store.users().create(user("alice", "acme", "someone-else@example.com", t)), "ALREADY_EXISTS",
        "user 'alice' already exists");
    assertThat(awaitApiFailure(store.users().get("nope"), 404).getMessage()).isEqualTo("user 'nope' not found");
    assertThat(await(store.users().get("alice"))).isEqualTo(u);
  }

  @Test
  void userUpdateReplacesDisplayNameAndStatusAndKeepsTheRest() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    await(store.organizations().create(org("other", t)));
    User v1 = await(store.users().create(user("u", "acme", "u@example.com", t)));
    Instant later = t.plusSeconds(60);
    User tampered = new User("u", UUID.randomUUID(), "other", "mallory@example.com", "renamed", User.DISABLED, later,
        later, 2);
    User v2 = v1.withChanges("renamed", User.DISABLED, later);
    assertThat(await(store.users().update(tampered))).isEqualTo(v2);
    assertThat(await(store.users().get("u"))).isEqualTo(v2);
    assertThat(v2.email()).isEqualTo("u@example.com");
    User v3 = v2.withChanges(null, User.ACTIVE, later.plusMillis(1));
    assertThat(await(store.users().update(v3))).isEqualTo(v3);

    ApiException stale = awaitApiFailure(store.users().update(v2.withChanges("x", User.ACTIVE, Clock.now())), 412);
    assertThat(stale.getMessage()).isEqualTo("user 'u' was changed by another request");
    awaitApiFailure(store.users().update(user("ghost", "acme").withChanges("x", User.ACTIVE, Clock.now())), 404);
    awaitApiFailure(store.users().delete("u", 2L), 412);
    assertThat(await(store.users().get("u"))).isEqualTo(v3);
    // the email stayed acme's: the old one is taken there, the tampered one is free
    awaitApiFailure(store.users().create(user("u2", "acme", "U@example.com", t)), 409);
    await(store.users().create(user("m", "acme", "mallory@example.com", t)));
    // still acme's user: other can go, acme cannot
    await(store.organizations().delete("other", null));
    await(store.users().delete("u", 3L));
    awaitApiFailure(store.users().get("u"), 404);
  }

  @Test
  void anEmailIsUniqueInItsOrganizationWithoutRegardToAsciiCase() {
    await(store.organizations().create(org("acme")));
    await(store.organizations().create(org("beta")));
    User alice = await(store.users().create(user("alice", "acme", "alice@example.com", Clock.now())));
    ApiException e = assertConflict(store.users().create(user("bob", "acme", "ALICE@Example.Com", Clock.now())),
        "ALREADY_EXISTS", "a user with email 'ALICE@Example.Com' already exists in organization 'acme'");
    assertThat(e.getMessage()).contains("ALICE@Example.Com");
    awaitApiFailure(store.users().get("bob"), 404);
    // the same email in another organization is another user
    await(store.users().create(user("alice-b", "beta", "Alice@example.com", Clock.now())));
    // only ASCII letters fold: both adapters compare other characters as they are
    await(store.users().create(user("ae1", "acme", "Ärger@example.com", Clock.now())));
    await(store.users().create(user("ae2", "acme", "ärger@example.com", Clock.now())));
    assertConflict(store.users().create(user("ae3", "acme", "ärGER@EXAMPLE.com", Clock.now())), "ALREADY_EXISTS",
        "a user with email 'ärGER@EXAMPLE.com' already exists in organization 'acme'");
    // an update keeps the email; a deleted user's email is free again
    await(store.users().update(alice.withChanges("Alice", User.SUSPENDED, Clock.now())));
    awaitApiFailure(store.users().create(user("carol", "acme", "alice@EXAMPLE.com", Clock.now())), 409);
    await(store.users().delete("alice", null));
    User carol = await(store.users().create(user("carol", "acme", "alice@EXAMPLE.com", Clock.now())));
    assertThat(await(store.users().get("carol"))).isEqualTo(carol);
  }

  @Test
  void concurrentCreatesWithOneEmailLetExactlyOneWinPerOrganization() throws Exception {
    await(store.organizations().create(org("acme")));
    await(store.organizations().create(org("beta")));
    int n = 32;
    List<String> spellings = List.of("race@example.com", "RACE@example.com", "Race@Example.Com", "race@EXAMPLE.COM");
    List<Future<User>> results = concurrently(n, 8, i -> store.users()
        .create(user("u-" + i, i % 2 == 0 ? "acme" : "beta", spellings.get(i % 4), Clock.now())));
    Map<String, Integer> winners = new java.util.HashMap<>();
    for (Future<User> f : results) {
      if (f.succeeded()) {
        winners.merge(f.result().organizationId(), 1, Integer::sum);
      } else {
        ApiException e = (ApiException) f.cause();
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.reason()).isEqualTo("ALREADY_EXISTS");
        assertThat(e.getMessage()).startsWith("a user with email ");
      }
    }
    assertThat(winners).isEqualTo(Map.of("acme", 1, "beta", 1));
    for (String o : List.of("acme", "beta")) {
      assertThat(await(store.users().list(new ListQuery(Map.of("organizationId", o), null, 50))).items()).hasSize(1);
    }
  }

  @Test
  void listFiltersUsers() {
    Instant t0 = Clock.now();
    await(store.organizations().create(org("red", t0)));
    await(store.organizations().create(org("blue", t0)));
    List<User> all = new ArrayList<>();
    List<String> statuses = List.of(User.ACTIVE, User.SUSPENDED, User.DISABLED);
    for (int i = 0; i < 12; i++) {
      String o = i % 3 == 0 ? "blue" : "red";
      String id = "u-" + (char) ('l' - i);
      // one "same@example.com" in each organization (i = 0 is blue's, i = 2 red's)
      String email = i == 0 || i == 2 ? "Same@Example.com" : id + "@example.com";
      all.add(await(store.users().create(new User(id, UUID.randomUUID(), o, email, "User " + i,
          statuses.get(i % 3 == 0 ? 0 : i % 2 + 1), t0.plusMillis(i / 3), t0.plusMillis(i / 3), 1))));
    }
    all.sort(ORDER);
    Map<Map<String, String>, Predicate<User>> cases = new LinkedHashMap<>();
    cases.put(Map.of(), u -> true);
    cases.put(Map.of("organizationId", "red"), u -> u.organizationId().equals("red"));
    cases.put(Map.of("organizationId", "blue"), u -> u.organizationId().equals("blue"));
    cases.put(Map.of("status", User.SUSPENDED), u -> u.status().equals(User.SUSPENDED));
    cases.put(Map.of("status", User.DISABLED), u -> u.status().equals(User.DISABLED));
    cases.put(Map.of("email", "same@example.com"), u -> u.email().equals("Same@Example.com"));
    cases.put(Map.of("email", "SAME@EXAMPLE.COM", "organizationId", "red"),
        u -> u.email().equals("Same@Example.com") && u.organizationId().equals("red"));
    cases.put(Map.of("email", "u-k@EXAMPLE.com"), u -> u.id().equals("u-k"));
    cases.put(Map.of("organizationId", "red", "status", User.DISABLED),
        u -> u.organizationId().equals("red") && u.status().equals(User.DISABLED));
    cases.put(Map.of("email", "nobody@example.com"), u -> false);
    cases.forEach((filters, which) -> {
      List<User> expected = all.stream().filter(which).toList();
      for (int limit : List.of(1, 2, 5, 12, 13)) {
        assertThat(listAll(store.users()::list, filters, limit)).as("%s, limit %d", filters, limit)
            .containsExactlyElementsOf(expected);
      }
    });
    assertThat(all.stream().filter(u -> u.email().equals("Same@Example.com"))).hasSize(2);
    assertThat(all.stream().filter(u -> u.status().equals(User.DISABLED))).isNotEmpty();
    assertThat(all.stream().filter(u -> u.status().equals(User.SUSPENDED))).isNotEmpty();
    assertThat(awaitFailure(store.users().list(new ListQuery(Map.of("displayName", "x"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rolesRoundTripAndUpdateDisplayNameDescriptionAndPermissions() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    await(store.organizations().create(org("other", t)));
    Role r = new Role("deployer", UUID.randomUUID(), "acme", "Deployer ✓", "deploys",
        List.of("compute.clusters.create", "compute.*", "a.b.c"), t, t.plusMillis(1), 1);
    assertThat(await(store.roles().create(r))).isEqualTo(r);
    assertThat(await(store.roles().get("deployer"))).isEqualTo(r);
    Role bare = new Role("bare", UUID.randomUUID(), "acme", null, null, List.of(), t, t, 1);
    assertThat(await(store.roles().create(bare))).isEqualTo(bare);
    assertThat(await(store.roles().get("bare"))).isEqualTo(bare);
    assertConflict(store.roles().create(role("deployer", "other")), "ALREADY_EXISTS", "role 'deployer' already exists");
    assertThat(awaitApiFailure(store.roles().get("nope"), 404).getMessage()).isEqualTo("role 'nope' not found");

    Instant later = t.plusSeconds(60);
    Role tampered = new Role("deployer", UUID.randomUUID(), "other", "Renamed", null, List.of("z.*", "a.*"), later,
        later, 2);
    Role v2 = r.withChanges("Renamed", null, List.of("z.*", "a.*"), later);
    assertThat(await(store.roles().update(tampered))).isEqualTo(v2);
    assertThat(await(store.roles().get("deployer"))).isEqualTo(v2);
    Role v3 = v2.withChanges(null, "none", List.of(), later.plusMillis(1));
    assertThat(await(store.roles().update(v3))).isEqualTo(v3);
    ApiException stale = awaitApiFailure(store.roles().update(v2.withChanges("x", null, List.of(), later)), 412);
    assertThat(stale.getMessage()).isEqualTo("role 'deployer' was changed by another request");
    awaitApiFailure(store.roles().update(role("ghost", "acme").withChanges("x", null, List.of(), later)), 404);
    // still acme's role
    await(store.organizations().delete("other", null));
    awaitApiFailure(store.roles().delete("deployer", 2L), 412);
    await(store.roles().delete("deployer", 3L));
    awaitApiFailure(store.roles().get("deployer"), 404);
  }

  @Test
  void groupsRoundTripAndUpdateDisplayNameAndDescription() {
    Instant t = Clock.now();
    await(store.organizations().create(org("acme", t)));
    await(store.organizations().create(org("other", t)));
    Group g = new Group("eng", UUID.randomUUID(), "acme", "Platform Engineers ✓", "the team", t, t.plusMillis(1), 1);
    assertThat(await(store.groups().create(g))).isEqualTo(g);
    assertThat(await(store.groups().get("eng"))).isEqualTo(g);
    Group bare = new Group("bare", UUID.randomUUID(), "acme", null, null, t, t, 1);
    assertThat(await(store.groups().create(bare))).isEqualTo(bare);
    assertThat(await(store.groups().get("bare"))).isEqualTo(bare);
    assertConflict(store.groups().create(group("eng", "other")), "ALREADY_EXISTS", "group 'eng' already exists");
    assertThat(awaitApiFailure(store.groups().get("nope"), 404).getMessage()).isEqualTo("group 'nope' not found");

    Instant later = t.plusSeconds(60);
    Group tampered = new Group("eng", UUID.randomUUID(), "other", "Renamed", null, later, later, 2);
    Group v2 = g.withChanges("Renamed", null, later);
    assertThat(await(store.groups().update(tampered))).isEqualTo(v2);
    assertThat(await(store.groups().get("eng"))).isEqualTo(v2);
    ApiException stale = awaitApiFailure(store.groups().update(g.withChanges("x", null, later)), 412);
    assertThat(stale.getMessage()).isEqualTo("group 'eng' was changed by another request");
    awaitApiFailure(store.groups().update(group("ghost", "acme").withChanges("x", null, later)), 404);
    await(store.organizations().delete("other", null));
    awaitApiFailure(store.groups().delete("eng", 1L), 412);
    await(store.groups().delete("eng", 2L));
    awaitApiFailure(store.groups().get("eng"), 404);
  }

  @Test
  void listFiltersRolesAndGroupsByOrganization() {
    Instant t0 = Clock.now();
    await(store.organizations().create(org("red", t0)));
    await(store.organizations().create(org("blue", t0)));
    await(store.organizations().create(org("empty", t0)));
    List<Role> roles = new ArrayList<>();
    List<Group> groups = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      String o = i % 3 == 0 ? "blue" : "red";
      roles.add(await(store.roles().create(role("r-" + (char) ('z' - i), o, t0.plusMillis(i / 2)))));
      groups.add(await(store.groups().create(group("g-" + (char) ('z' - i), o, t0.plusMillis(i / 2)))));
    }
    roles.sort(ORDER);
    groups.sort(ORDER);
    for (String o : List.of("red", "blue", "empty", "nope")) {
      for (int limit : List.of(1, 2, 6, 7)) {
        assertThat(listAll(store.roles()::list, Map.of("organizationId", o), limit)).as("roles of %s", o)
            .containsExactlyElementsOf(roles.stream().filter(r -> r.organizationId().equals(o)).toList());
        assertThat(listAll(store.groups()::list, Map.of("organizationId", o), limit)).as("groups of %s", o)
            .containsExactlyElementsOf(groups.stream().filter(g -> g.organizationId().equals(o)).toList());
      }
    }
    assertThat(listAll(store.roles()::list, Map.of(), 4)).containsExactlyElementsOf(roles);
    assertThat(listAll(store.groups()::list, Map.of(), 4)).containsExactlyElementsOf(groups);
    assertThat(awaitFailure(store.roles().list(new ListQuery(Map.of("displayName", "x"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(store.groups().list(new ListQuery(Map.of("userId", "x"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void usersGroupsRolesAndPoliciesNeedTheirOrganization() {
    await(store.organizations().create(org("acme")));
    await(store.users().create(user("u", "acme")));
    String missing = "organization 'ghost' does not exist";
    assertFieldViolation(store.users().create(user("x", "ghost")), "organizationId", missing);
    assertFieldViolation(store.groups().create(group("x", "ghost")), "organizationId", missing);
    assertFieldViolation(store.roles().create(role("x", "ghost")), "organizationId", missing);
    assertFieldViolation(store.policies().create(policy("x", "ghost", "admin", PrincipalRef.user("u"))),
        "organizationId", missing);
    awaitApiFailure(store.users().get("x"), 404);
    awaitApiFailure(store.groups().get("x"), 404);
    awaitApiFailure(store.roles().get("x"), 404);
    awaitApiFailure(store.policies().get("x"), 404);
    assertThat(await(store.users().list(query(10, null))).items()).extracting(User::id).containsExactly("u");
    assertThat(await(store.groups().list(query(10, null))).items()).isEmpty();
    assertThat(await(store.roles().list(query(10, null))).items()).isEmpty();
    assertThat(await(store.policies().list(query(10, null))).items()).isEmpty();
    // the ids are free once the organization exists (a policy's principal must be of it, too)
    await(store.organizations().create(org("ghost")));
    await(store.users().create(user("x", "ghost")));
    await(store.groups().create(group("x", "ghost")));
    await(store.roles().create(role("x", "ghost")));
    await(store.policies().create(policy("x", "ghost", "admin", PrincipalRef.user("x"))));
  }

  @Test
  void deletingAnOrganizationWithPoliciesUsersGroupsOrRolesFailsWith409AndDeletesNothing() {
    Instant t = Clock.now();
    for (String o : List.of("pu", "u", "g", "r")) {
      await(store.organizations().create(org(o, t)));
    }
    User bound = await(store.users().create(user("bound", "pu")));
    Policy p = await(store.policies().create(policy("p", "pu", "admin", PrincipalRef.user("bound"))));
    User u = await(store.users().create(user("user", "u")));
    Group g = await(store.groups().create(group("group", "g")));
    Role r = await(store.roles().create(role("role", "r")));
    // policies first: they are what keeps their principals and roles from being deleted
    assertConflict(store.organizations().delete("pu", null), "FAILED_PRECONDITION",
        "organization 'pu' still has policies; delete them first");
    assertConflict(store.organizations().delete("u", 1L), "FAILED_PRECONDITION",
        "organization 'u' still has users; delete them first");
    assertConflict(store.organizations().delete("g", null), "FAILED_PRECONDITION",
        "organization 'g' still has groups; delete them first");
    assertConflict(store.organizations().delete("r", null), "FAILED_PRECONDITION",
        "organization 'r' still has roles; delete them first");
    awaitApiFailure(store.organizations().delete("r", 7L), 412);
    assertThat(await(store.policies().get("p"))).isEqualTo(p);
    assertThat(await(store.users().get("bound"))).isEqualTo(bound);
    assertThat(await(store.users().get("user"))).isEqualTo(u);
    assertThat(await(store.groups().get("group"))).isEqualTo(g);
    assertThat(await(store.roles().get("role"))).isEqualTo(r);
    assertThat(ids(await(store.organizations().list(query(10, null))).items()))
        .containsExactlyInAnyOrder("pu", "u", "g", "r");

    await(store.policies().delete("p", null));
    assertConflict(store.organizations().delete("pu", null), "FAILED_PRECONDITION",
        "organization 'pu' still has users; delete them first");
    await(store.users().delete("bound", null));
    await(store.organizations().delete("pu", null));
    await(store.users().delete("user", 1L));
    await(store.organizations().delete("u", 1L));
    await(store.groups().delete("group", null));
    await(store.organizations().delete("g", null));
    await(store.roles().delete("role", null));
    await(store.organizations().delete("r", null));
    assertThat(await(store.organizations().list(query(10, null))).items()).isEmpty();
  }

  // ---------------------------------------------------------------- group members

  /** Creates organizations {@code acme} and {@code beta}, and in acme the groups and users named. */
  private void acme(List<String> groupIds, List<String> userIds) {
    await(store.organizations().create(org("acme")));
    await(store.organizations().create(org("beta")));
    for (String g : groupIds) {
      await(store.groups().create(group(g, "acme")));
    }
    for (String u : userIds) {
      await(store.users().create(user(u, "acme")));
    }
  }

  @Test
  void groupMembersRoundTripAndNeverChange() {
    acme(List.of("eng", "ops"), List.of("ann", "bob"));
    Instant t = Clock.now();
    GroupMember m = new GroupMember("member-a1", UUID.randomUUID(), "eng", "ann", "user:root ✓", t, t.plusMillis(1), 1);
    assertThat(await(store.groupMembers().create(m))).isEqualTo(m);
    assertThat(await(store.groupMembers().get("member-a1"))).isEqualTo(m);
    assertThat(m.addedAt()).isEqualTo(t);
    GroupMember bare = new GroupMember("member-b1", UUID.randomUUID(), "eng", "bob", null, t, t, 1);
    assertThat(await(store.groupMembers().create(bare))).isEqualTo(bare);
    assertThat(await(store.groupMembers().get("member-b1"))).isEqualTo(bare);
    assertConflict(store.groupMembers().create(member("member-a1", "ops", "ann")), "ALREADY_EXISTS",
        "group member 'member-a1' already exists");
    assertThat(awaitApiFailure(store.groupMembers().get("nope"), 404).getMessage())
        .isEqualTo("group member 'nope' not found");

    // an update changes nothing but updatedAt and the version
    Instant later = t.plusSeconds(60);
    GroupMember tampered = new GroupMember("member-a1", UUID.randomUUID(), "ops", "bob", "mallory", later, later, 2);
    GroupMember v2 = new GroupMember("member-a1", m.uid(), "eng", "ann", "user:root ✓", t, later, 2);
    assertThat(await(store.groupMembers().update(tampered))).isEqualTo(v2);
    assertThat(await(store.groupMembers().get("member-a1"))).isEqualTo(v2);
    awaitApiFailure(store.groupMembers().update(tampered), 412);
    awaitApiFailure(store.groupMembers().delete("member-a1", 1L), 412);
    await(store.groupMembers().delete("member-a1", 2L));
    awaitApiFailure(store.groupMembers().get("member-a1"), 404);
    awaitApiFailure(store.groupMembers().delete("member-a1", null), 404);
  }

  @Test
  void aMemberMustBeAUserOfTheGroupsOrganization() {
    acme(List.of("eng"), List.of("ann"));
    await(store.groups().create(group("beta-team", "beta")));
    await(store.users().create(user("bea", "beta")));
    ApiException missingGroup = awaitApiFailure(store.groupMembers().create(member("m1", "ghost", "ann")), 404);
    assertThat(missingGroup.reason()).isEqualTo("NOT_FOUND");
    assertThat(missingGroup.getMessage()).isEqualTo("group 'ghost' not found");
    // a missing user and a user of another organization read alike
    assertFieldViolation(store.groupMembers().create(member("m1", "eng", "ghost")), "userId",
        "user 'ghost' does not exist in the organization of group 'eng'");
    assertFieldViolation(store.groupMembers().create(member("m1", "eng", "bea")), "userId",
        "user 'bea' does not exist in the organization of group 'eng'");
    assertFieldViolation(store.groupMembers().create(member("m1", "beta-team", "ann")), "userId",
        "user 'ann' does not exist in the organization of group 'beta-team'");
    awaitApiFailure(store.groupMembers().get("m1"), 404);
    assertThat(await(store.groupMembers().list(query(10, null))).items()).isEmpty();
    await(store.groupMembers().create(member("m1", "eng", "ann")));
    await(store.groupMembers().create(member("m2", "beta-team", "bea")));
  }

  @Test
  void aUserIsAMemberOfAGroupOnlyOnce() {
    acme(List.of("eng", "ops"), List.of("ann", "bob"));
    GroupMember first = await(store.groupMembers().create(member("m1", "eng", "ann")));
    assertConflict(store.groupMembers().create(member("m2", "eng", "ann")), "ALREADY_EXISTS",
        "user 'ann' is already a member of group 'eng'");
    awaitApiFailure(store.groupMembers().get("m2"), 404);
    // the same user in another group, another user in the same group
    await(store.groupMembers().create(member("m2", "ops", "ann")));
    await(store.groupMembers().create(member("m3", "eng", "bob")));
    assertThat(await(store.groupMembers().get("m1"))).isEqualTo(first);
    // once removed, the user can be added again
    await(store.groupMembers().delete("m1", null));
    await(store.groupMembers().create(member("m4", "eng", "ann")));
    assertThat(listAll(store.groupMembers()::list, Map.of("groupId", "eng"), 5)).extracting(GroupMember::id)
        .containsExactly("m3", "m4");
  }

  @Test
  void concurrentAddsOfOneUserToOneGroupLetExactlyOneWin() throws Exception {
    acme(List.of("eng", "ops"), List.of("ann", "bob"));
    int n = 32;
    // four pairs, eight tries each
    List<Future<GroupMember>> results = concurrently(n, 8, i -> store.groupMembers()
        .create(member("m-" + i, i % 2 == 0 ? "eng" : "ops", i % 4 < 2 ? "ann" : "bob", Clock.now())));
    Set<String> pairs = new HashSet<>();
    int won = 0;
    for (Future<GroupMember> f : results) {
      if (f.succeeded()) {
        won++;
        assertThat(pairs.add(f.result().groupId() + "/" + f.result().userId())).isTrue();
      } else {
        ApiException e = (ApiException) f.cause();
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.reason()).isEqualTo("ALREADY_EXISTS");
        assertThat(e.getMessage()).contains("is already a member of group");
      }
    }
    assertThat(won).isEqualTo(4);
    assertThat(pairs).containsExactlyInAnyOrder("eng/ann", "eng/bob", "ops/ann", "ops/bob");
    assertThat(await(store.groupMembers().memberCounts(List.of("eng", "ops")))).isEqualTo(Map.of("eng", 2, "ops", 2));
  }

  @Test
  void listFiltersGroupMembers() {
    acme(List.of("eng", "ops", "empty"), List.of("ann", "bob", "cid"));
    Instant t0 = Clock.now();
    List<GroupMember> all = new ArrayList<>();
    int i = 0;
    for (String g : List.of("eng", "ops")) {
      for (String u : List.of("cid", "ann", "bob")) {
        if (!(g.equals("ops") && u.equals("bob"))) {
          all.add(await(store.groupMembers().create(member("m-" + (char) ('z' - i), g, u, t0.plusMillis(i / 2)))));
          i++;
        }
      }
    }
    all.sort(ORDER);
    Map<Map<String, String>, Predicate<GroupMember>> cases = new LinkedHashMap<>();
    cases.put(Map.of(), m -> true);
    cases.put(Map.of("groupId", "eng"), m -> m.groupId().equals("eng"));
    cases.put(Map.of("groupId", "ops"), m -> m.groupId().equals("ops"));
    cases.put(Map.of("groupId", "empty"), m -> false);
    cases.put(Map.of("userId", "ann"), m -> m.userId().equals("ann"));
    cases.put(Map.of("userId", "bob"), m -> m.userId().equals("bob"));
    cases.put(Map.of("groupId", "ops", "userId", "cid"), m -> m.groupId().equals("ops") && m.userId().equals("cid"));
    cases.put(Map.of("groupId", "ops", "userId", "bob"), m -> false);
    cases.forEach((filters, which) -> {
      List<GroupMember> expected = all.stream().filter(which).toList();
      for (int limit : List.of(1, 2, 5, 6)) {
        assertThat(listAll(store.groupMembers()::list, filters, limit)).as("%s, limit %d", filters, limit)
            .containsExactlyElementsOf(expected);
      }
    });
    assertThat(awaitFailure(store.groupMembers().list(new ListQuery(Map.of("organizationId", "acme"), null, 5))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void groupsOfAndMemberCountsAnswerFromTheMemberships() {
    acme(List.of("b-team", "a-team", "c-team", "none"), List.of("ann", "bob", "cid"));
    await(store.groupMembers().create(member("m1", "c-team", "ann")));
    await(store.groupMembers().create(member("m2", "a-team", "ann")));
    await(store.groupMembers().create(member("m3", "b-team", "ann")));
    await(store.groupMembers().create(member("m4", "a-team", "bob")));
    assertThat(await(store.groupMembers().groupsOf("ann"))).containsExactly("a-team", "b-team", "c-team");
    assertThat(await(store.groupMembers().groupsOf("bob"))).containsExactly("a-team");
    assertThat(await(store.groupMembers().groupsOf("cid"))).isEmpty();
    assertThat(await(store.groupMembers().groupsOf("ghost"))).isEmpty();
    assertThat(await(store.groupMembers().memberCounts(List.of("a-team", "b-team", "c-team", "none", "ghost"))))
        .isEqualTo(Map.of("a-team", 2, "b-team", 1, "c-team", 1));
    assertThat(await(store.groupMembers().memberCounts(Set.of("b-team")))).isEqualTo(Map.of("b-team", 1));
    assertThat(await(store.groupMembers().memberCounts(List.of()))).isEmpty();
    await(store.groupMembers().delete("m2", null));
    assertThat(await(store.groupMembers().groupsOf("ann"))).containsExactly("b-team", "c-team");
    assertThat(await(store.groupMembers().memberCounts(List.of("a-team")))).isEqualTo(Map.of("a-team", 1));
  }

  @Test
  void deletingAGroupDeletesItsMembers() {
    acme(List.of("eng", "ops"), List.of("ann", "bob"));
    await(store.groupMembers().create(member("e1", "eng", "ann")));
    await(store.groupMembers().create(member("e2", "eng", "bob")));
    GroupMember kept = await(store.groupMembers().create(member("o1", "ops", "ann")));
    await(store.groups().delete("eng", null));
    awaitApiFailure(store.groupMembers().get("e1"), 404);
    awaitApiFailure(store.groupMembers().get("e2"), 404);
    assertThat(await(store.groupMembers().list(query(10, null))).items()).containsExactly(kept);
    assertThat(await(store.groupMembers().groupsOf("ann"))).containsExactly("ops");
    assertThat(await(store.groupMembers().groupsOf("bob"))).isEmpty();
    assertThat(await(store.groupMembers().memberCounts(List.of("eng", "ops")))).isEqualTo(Map.of("ops", 1));
    // a new group of the same id starts empty
    await(store.groups().create(group("eng", "acme")));
    assertThat(await(store.groupMembers().list(new ListQuery(Map.of("groupId", "eng"), null, 5))).items()).isEmpty();
    await(store.users().get("ann"));
  }

  @Test
  void deletingAUserDeletesItsMemberships() {
    acme(List.of("eng", "ops"), List.of("ann", "bob"));
    await(store.groupMembers().create(member("e1", "eng", "ann")));
    await(store.groupMembers().create(member("o1", "ops", "ann")));
    GroupMember kept = await(store.groupMembers().create(member("e2", "eng", "bob")));
    await(store.users().delete("ann", null));
    awaitApiFailure(store.groupMembers().get("e1"), 404);
    awaitApiFailure(store.groupMembers().get("o1"), 404);
    assertThat(await(store.groupMembers().list(query(10, null))).items()).containsExactly(kept);
    assertThat(await(store.groupMembers().memberCounts(List.of("eng", "ops")))).isEqualTo(Map.of("eng", 1));
    // a new user of the same id is in no group
    await(store.users().create(user("ann", "acme")));
    assertThat(await(store.groupMembers().groupsOf("ann"))).isEmpty();
    await(store.groups().get("ops"));
  }

  @Test
  void memberAddRacingUserDeleteNeverLeavesAnOrphan() throws Exception {
    acme(List.of("eng"), List.of());
    for (int round = 0; round < 10; round++) {
      String u = "u-" + round;
      String mid = "m-" + round;
      await(store.users().create(user(u, "acme")));
      List<Future<Object>> results = concurrently(2, 2, i -> i == 0
          ? store.groupMembers().create(member(mid, "eng", u)).map(m -> (Object) m)
          : store.users().delete(u, null).map(v -> (Object) "deleted"));
      assertThat(results.get(1).succeeded()).as("the user delete, round %d", round).isTrue();
      if (results.get(0).failed()) {
        assertThat(((ApiException) results.get(0).cause()).status()).isEqualTo(400);
      }
      // either way the user is gone, and so is any membership
      assertThat(await(store.groupMembers().list(new ListQuery(Map.of("userId", u), null, 5))).items()).isEmpty();
      awaitApiFailure(store.groupMembers().get(mid), 404);
    }
    assertThat(await(store.groupMembers().memberCounts(List.of("eng")))).isEmpty();
  }

  // ---------------------------------------------------------------- policies

  /** acme with user ann, group eng, service account ci and role deployer; beta with user bea. */
  private void principals() {
    acme(List.of("eng"), List.of("ann"));
    await(store.serviceAccounts().create(serviceAccount("ci", "acme")));
    await(store.roles().create(role("deployer", "acme")));
    await(store.users().create(user("bea", "beta")));
  }

  @Test
  void policiesRoundTripEveryField() {
    principals();
    Instant t = Clock.now();
    Policy p = new Policy("p1", UUID.randomUUID(), "acme", "Deployers ✓", "why it exists", "deployer",
        PrincipalRef.GROUP, "eng", Policy.PROJECT, "train", Policy.DENY, t, t.plusMillis(1), 1);
    assertThat(await(store.policies().create(p))).isEqualTo(p);
    assertThat(await(store.policies().get("p1"))).isEqualTo(p);
    assertThat(p.principal()).isEqualTo(PrincipalRef.group("eng"));
    Policy platform = new Policy("p2", UUID.randomUUID(), null, null, null, "admin", PrincipalRef.USER, "bea",
        Policy.PLATFORM, null, Policy.ALLOW, t, t, 1);
    assertThat(await(store.policies().create(platform))).isEqualTo(platform);
    assertThat(await(store.policies().get("p2"))).isEqualTo(platform);
    Policy sa = new Policy("p3", UUID.randomUUID(), "acme", null, null, "compute.viewer",
        PrincipalRef.SERVICE_ACCOUNT, "ci", Policy.RESOURCE, "clusters/gpu-1", Policy.ALLOW, t, t, 1);
    assertThat(await(store.policies().create(sa))).isEqualTo(sa);
    assertThat(await(store.policies().get("p3"))).isEqualTo(sa);
    assertConflict(store.policies().create(policy("p1", "acme", "admin", PrincipalRef.user("ann"))),
        "ALREADY_EXISTS", "policy 'p1' already exists");
    assertThat(awaitApiFailure(store.policies().get("nope"), 404).getMessage()).isEqualTo("policy 'nope' not found");
  }

  @Test
  void policyUpdateReplacesDisplayNameAndDescriptionOnly() {
    principals();
    Policy v1 = await(store.policies().create(policy("p", "acme", "deployer", PrincipalRef.user("ann"))));
    Instant later = v1.createdAt().plusSeconds(60);
    // role, principal, scope, effect and organization never change
    Policy tampered = new Policy("p", UUID.randomUUID(), "beta", "renamed", "described", "admin", PrincipalRef.USER,
        "bea", Policy.PROJECT, "x", Policy.DENY, later, later, 2);
    Policy v2 = v1.withChanges("renamed", "described", later);
    assertThat(await(store.policies().update(tampered))).isEqualTo(v2);
    assertThat(await(store.policies().get("p"))).isEqualTo(v2);
    Policy v3 = v2.withChanges(null, null, later.plusMillis(1));
    assertThat(await(store.policies().update(v3))).isEqualTo(v3);
    ApiException stale = awaitApiFailure(store.policies().update(v2.withChanges("x", null, later)), 412);
    assertThat(stale.getMessage()).isEqualTo("policy 'p' was changed by another request");
    awaitApiFailure(store.policies().update(policy("ghost", "acme", "admin", PrincipalRef.user("ann"))
        .withChanges("x", null, later)), 404);
    // still ann's binding of deployer: neither can go, bea can
    awaitApiFailure(store.users().delete("ann", null), 409);
    awaitApiFailure(store.roles().delete("deployer", null), 409);
    await(store.users().delete("bea", null));
    awaitApiFailure(store.policies().delete("p", 2L), 412);
    await(store.policies().delete("p", 3L));
    awaitApiFailure(store.policies().get("p"), 404);
    await(store.roles().delete("deployer", null));
  }

  @Test
  void aPolicyHasAKnownPrincipalTypeAndAnOrganizationExactlyBelowPlatformScope() {
    principals();
    Instant t = Clock.now();
    assertFieldViolation(store.policies().create(policy("p", "acme", "admin", new PrincipalRef("robot", "ann"))),
        "principalType", "principal type 'robot' is not one of user, group, serviceAccount");
    assertFieldViolation(store.policies().create(policy("p", "acme", "admin", PrincipalRef.user("ann"),
        Policy.PLATFORM, null, t)), "organizationId", "a platform-scope policy belongs to no organization");
    for (String scope : List.of(Policy.ORG, Policy.PROJECT, Policy.RESOURCE)) {
      assertFieldViolation(store.policies().create(policy("p", null, "admin", PrincipalRef.user("ann"), scope, "x",
          t)), "organizationId", "a policy below platform scope needs an organizationId");
    }
    awaitApiFailure(store.policies().get("p"), 404);
    assertThat(await(store.policies().list(query(10, null))).items()).isEmpty();
    await(store.policies().create(policy("p", null, "admin", PrincipalRef.user("ann"), Policy.PLATFORM, null, t)));
  }

  @Test
  void aPolicyBindsAPrincipalOfItsOrganizationOrAnyAtPlatformScope() {
    principals();
    await(store.groups().create(group("beta-team", "beta")));
    await(store.serviceAccounts().create(serviceAccount("beta-ci", "beta")));
    for (PrincipalRef missing : List.of(PrincipalRef.user("ghost"), PrincipalRef.group("ghost"),
        PrincipalRef.serviceAccount("ghost"), PrincipalRef.user("eng"), PrincipalRef.group("ann"),
        PrincipalRef.serviceAccount("ann"))) {
      String kind = missing.type().equals(PrincipalRef.SERVICE_ACCOUNT) ? "service account" : missing.type();
      assertFieldViolation(store.policies().create(policy("p", "acme", "admin", missing)), "principalId",
          kind + " '" + missing.id() + "' does not exist in organization 'acme'");
      assertFieldViolation(store.policies().create(platformPolicy("p", "admin", missing)), "principalId",
          kind + " '" + missing.id() + "' does not exist");
    }
    // another organization's principals read as missing
    for (PrincipalRef other : List.of(PrincipalRef.user("bea"), PrincipalRef.group("beta-team"),
        PrincipalRef.serviceAccount("beta-ci"))) {
      String kind = other.type().equals(PrincipalRef.SERVICE_ACCOUNT) ? "service account" : other.type();
      assertFieldViolation(store.policies().create(policy("p", "acme", "admin", other)), "principalId",
          kind + " '" + other.id() + "' does not exist in organization 'acme'");
    }
    awaitApiFailure(store.policies().get("p"), 404);
    assertThat(await(store.policies().list(query(10, null))).items()).isEmpty();
    int n = 0;
    for (PrincipalRef own : List.of(PrincipalRef.user("ann"), PrincipalRef.group("eng"),
        PrincipalRef.serviceAccount("ci"))) {
      await(store.policies().create(policy("own-" + n++, "acme", "admin", own)));
    }
    for (PrincipalRef any : List.of(PrincipalRef.user("bea"), PrincipalRef.group("beta-team"),
        PrincipalRef.serviceAccount("beta-ci"), PrincipalRef.user("ann"))) {
      await(store.policies().create(platformPolicy("platform-" + n++, "admin", any)));
    }
    assertThat(await(store.policies().list(query(10, null))).items()).hasSize(7);
  }

  @Test
  void aPolicyRoleIsPredefinedOrACustomRoleOfItsOrganization() {
    principals();
    await(store.roles().create(role("beta-role", "beta")));
    // acme's own custom role, and a name that is not stored (a predefined role: the caller checks those)
    await(store.policies().create(policy("own", "acme", "deployer", PrincipalRef.user("ann"))));
    await(store.policies().create(policy("predefined", "acme", "admin", PrincipalRef.group("eng"))));
    await(store.policies().create(platformPolicy("platform", "admin", PrincipalRef.user("bea"))));
    // another organization's custom role reads as missing; custom roles are not for platform scope
    assertFieldViolation(store.policies().create(policy("x", "acme", "beta-role", PrincipalRef.user("ann"))), "role",
        "role 'beta-role' does not exist in organization 'acme'");
    assertFieldViolation(store.policies().create(policy("x", "beta", "deployer", PrincipalRef.user("bea"))), "role",
        "role 'deployer' does not exist in organization 'beta'");
    assertFieldViolation(store.policies().create(platformPolicy("x", "deployer", PrincipalRef.user("ann"))), "role",
        "role 'deployer' is a custom role; platform-scope policies bind predefined roles only");
    awaitApiFailure(store.policies().get("x"), 404);

    // a role cannot take an id that bindings name: their meaning would change
    assertConflict(store.roles().create(role("admin", "acme")), "FAILED_PRECONDITION",
        "role id 'admin' is named by existing policies; delete them or choose another id");
    assertConflict(store.roles().create(role("admin", "beta")), "FAILED_PRECONDITION",
        "role id 'admin' is named by existing policies; delete them or choose another id");
    awaitApiFailure(store.roles().get("admin"), 404);
    // a taken id is still reported as taken
    assertConflict(store.roles().create(role("deployer", "acme")), "ALREADY_EXISTS", "role 'deployer' already exists");
    await(store.policies().delete("predefined", null));
    await(store.policies().delete("platform", null));
    await(store.roles().create(role("admin", "acme")));
  }

  @Test
  void deletingAPrincipalOrRoleThatAPolicyBindsFailsWith409AndDeletesNothing() {
    principals();
    Instant now = Clock.now();
    GroupMember m = await(store.groupMembers().create(member("m", "eng", "ann")));
    ServiceAccountCredential c = await(store.credentials().createLimited(credential("c", "ci", null), 5, now));
    await(store.policies().create(policy("pu", "acme", "deployer", PrincipalRef.user("ann"))));
    await(store.policies().create(policy("pg", "acme", "admin", PrincipalRef.group("eng"))));
    await(store.policies().create(platformPolicy("psa", "admin", PrincipalRef.serviceAccount("ci"))));
    User ann = await(store.users().get("ann"));
    Group eng = await(store.groups().get("eng"));
    ServiceAccount ci = await(store.serviceAccounts().get("ci"));
    Role deployer = await(store.roles().get("deployer"));

    assertConflict(store.users().delete("ann", null), "FAILED_PRECONDITION",
        "user 'ann' is bound by policies; delete them first");
    assertConflict(store.users().delete("ann", 1L), "FAILED_PRECONDITION",
        "user 'ann' is bound by policies; delete them first");
    assertConflict(store.groups().delete("eng", null), "FAILED_PRECONDITION",
        "group 'eng' is bound by policies; delete them first");
    assertConflict(store.serviceAccounts().delete("ci", 1L), "FAILED_PRECONDITION",
        "service account 'ci' is bound by policies; delete them first");
    assertConflict(store.roles().delete("deployer", null), "FAILED_PRECONDITION",
        "role 'deployer' is bound by policies; delete them first");
    awaitApiFailure(store.roles().delete("deployer", 5L), 412);
    // nothing went, not even the memberships and credentials a delete would have taken along
    assertThat(await(store.users().get("ann"))).isEqualTo(ann);
    assertThat(await(store.groups().get("eng"))).isEqualTo(eng);
    assertThat(await(store.serviceAccounts().get("ci"))).isEqualTo(ci);
    assertThat(await(store.roles().get("deployer"))).isEqualTo(deployer);
    assertThat(await(store.groupMembers().get("m"))).isEqualTo(m);
    assertThat(await(store.credentials().get("c"))).isEqualTo(c);

    await(store.policies().delete("pu", null));
    await(store.roles().delete("deployer", null));
    await(store.users().delete("ann", null));
    awaitApiFailure(store.groupMembers().get("m"), 404);
    await(store.policies().delete("pg", null));
    await(store.groups().delete("eng", null));
    await(store.policies().delete("psa", null));
    await(store.serviceAccounts().delete("ci", null));
    awaitApiFailure(store.credentials().get("c"), 404);
  }

  @Test
  void listFiltersPolicies() {
    principals();
    await(store.users().create(user("bob", "acme")));
    await(store.roles().create(role("reader", "acme")));
    Instant t0 = Clock.now();
    List<PrincipalRef> principals = List.of(PrincipalRef.user("ann"), PrincipalRef.group("eng"),
        PrincipalRef.serviceAccount("ci"), PrincipalRef.user("bob"));
    List<String> roles = List.of("deployer", "admin", "reader");
    List<String> scopes = List.of(Policy.ORG, Policy.PROJECT, Policy.RESOURCE, Policy.PLATFORM);
    List<Policy> all = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String scope = scopes.get(i % 4);
      boolean platform = scope.equals(Policy.PLATFORM);
      String resource = scope.equals(Policy.PROJECT) ? (i % 8 == 1 ? "train" : "infer")
          : scope.equals(Policy.RESOURCE) ? "clusters/c" + (i % 3) : null;
      all.add(await(store.policies().create(policy("p-" + (char) ('z' - i), platform ? null : "acme",
          platform ? "admin" : roles.get(i % 3), principals.get(i / 4), scope, resource, t0.plusMillis(i / 3)))));
    }
    all.add(await(store.policies().create(platformPolicy("p-bea", "admin", PrincipalRef.user("bea")))));
    all.sort(ORDER);
    Map<Map<String, String>, Predicate<Policy>> cases = new LinkedHashMap<>();
    cases.put(Map.of(), p -> true);
    cases.put(Map.of("organizationId", "acme"), p -> "acme".equals(p.organizationId()));
    cases.put(Map.of("organizationId", "beta"), p -> false);
    cases.put(Map.of("principalType", "user", "principalId", "ann"), p -> p.principal().equals(PrincipalRef.user("ann")));
    cases.put(Map.of("principalType", "group", "principalId", "eng"), p -> p.principalId().equals("eng"));
    cases.put(Map.of("principalType", "group", "principalId", "ann"), p -> false);
    cases.put(Map.of("principalType", "serviceAccount", "principalId", "ci", "scopeType", "org"),
        p -> p.principalId().equals("ci") && p.scopeType().equals(Policy.ORG));
    cases.put(Map.of("role", "admin"), p -> p.role().equals("admin"));
    cases.put(Map.of("role", "deployer", "organizationId", "acme"), p -> p.role().equals("deployer"));
    cases.put(Map.of("scopeType", "platform"), p -> p.scopeType().equals(Policy.PLATFORM));
    cases.put(Map.of("scopeType", "project"), p -> p.scopeType().equals(Policy.PROJECT));
    cases.put(Map.of("scopeResource", "train"), p -> "train".equals(p.scopeResource()));
    cases.put(Map.of("scopeType", "resource", "scopeResource", "clusters/c1"), p -> "clusters/c1".equals(p.scopeResource()));
    cases.put(Map.of("scopeResource", "nothing"), p -> false);
    cases.forEach((filters, which) -> {
      List<Policy> expected = all.stream().filter(which).toList();
      for (int limit : List.of(1, 3, 17, 18)) {
        assertThat(listAll(store.policies()::list, filters, limit)).as("%s, limit %d", filters, limit)
            .containsExactlyElementsOf(expected);
      }
    });
    assertThat(all.stream().filter(p -> "train".equals(p.scopeResource()))).isNotEmpty();
    assertThat(all.stream().filter(p -> "clusters/c1".equals(p.scopeResource()))).isNotEmpty();
    for (Map<String, String> bad : List.of(Map.of("principalId", "ann"), Map.of("principalType", "user"),
        Map.of("effect", "allow"), Map.of("principalId", "ann", "role", "admin"))) {
      assertThat(awaitFailure(store.policies().list(new ListQuery(bad, null, 5)))).as("%s", bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void forPrincipalsAnswersEveryBindingOfThePrincipalsInOrder() {
    principals();
    await(store.groups().create(group("ann", "acme")));
    Instant t0 = Clock.now();
    Policy a1 = await(store.policies().create(policy("z-a1", "acme", "deployer", PrincipalRef.user("ann"),
        Policy.ORG, null, t0)));
    Policy g1 = await(store.policies().create(policy("g1", "acme", "admin", PrincipalRef.group("eng"),
        Policy.PROJECT, "train", t0)));
    Policy a2 = await(store.policies().create(policy("a2", null, "admin", PrincipalRef.user("ann"),
        Policy.PLATFORM, null, t0.plusMillis(1))));
    // a group that shares the user's id is another principal
    Policy annGroup = await(store.policies().create(policy("ann-group", "acme", "admin", PrincipalRef.group("ann"),
        Policy.ORG, null, t0.minusMillis(1))));
    Policy sa = await(store.policies().create(policy("sa", "acme", "admin", PrincipalRef.serviceAccount("ci"),
        Policy.ORG, null, t0)));
    await(store.policies().create(platformPolicy("bea", "admin", PrincipalRef.user("bea"))));

    assertThat(await(store.policies().forPrincipals(List.of(PrincipalRef.user("ann"), PrincipalRef.group("eng")))))
        .containsExactly(g1, a1, a2);
    assertThat(await(store.policies().forPrincipals(Set.of(PrincipalRef.user("ann"))))).containsExactly(a1, a2);
    assertThat(await(store.policies().forPrincipals(List.of(PrincipalRef.group("ann"), PrincipalRef.group("eng"),
        PrincipalRef.group("eng"))))).containsExactly(annGroup, g1);
    assertThat(await(store.policies().forPrincipals(List.of(PrincipalRef.serviceAccount("ci")))))
        .containsExactly(sa);
    assertThat(await(store.policies().forPrincipals(List.of(PrincipalRef.serviceAccount("ann"),
        PrincipalRef.user("ghost"), new PrincipalRef("robot", "ann"))))).isEmpty();
    assertThat(await(store.policies().forPrincipals(List.of()))).isEmpty();
    // more than a page's worth, unpaged
    for (int i = 0; i < 600; i++) {
      await(store.policies().create(policy(String.format("bulk-%03d", i), "acme", "admin", PrincipalRef.user("ann"),
          Policy.RESOURCE, "r" + i, t0.plusSeconds(1))));
    }
    List<Policy> many = await(store.policies().forPrincipals(List.of(PrincipalRef.user("ann"))));
    assertThat(many).hasSize(602).isSortedAccordingTo(ORDER);
    assertThat(many.subList(0, 2)).containsExactly(a1, a2);
  }

  @Test
  void policyCreateRacingAPrincipalDeleteNeverLeavesADanglingBinding() throws Exception {
    acme(List.of(), List.of());
    for (int round = 0; round < 10; round++) {
      String u = "u-" + round;
      String pid = "p-" + round;
      await(store.users().create(user(u, "acme")));
      List<Future<Object>> results = concurrently(2, 2, i -> i == 0
          ? store.policies().create(policy(pid, "acme", "admin", PrincipalRef.user(u))).map(p -> (Object) p)
          : store.users().delete(u, null).map(v -> (Object) "deleted"));
      boolean bound = results.get(0).succeeded();
      boolean deleted = results.get(1).succeeded();
      assertThat(bound ^ deleted).as("exactly one of create/delete wins in round %d", round).isTrue();
      if (bound) {
        assertThat(((ApiException) results.get(1).cause()).status()).isEqualTo(409);
        await(store.users().get(u));
      } else {
        assertThat(((ApiException) results.get(0).cause()).status()).isEqualTo(400);
        awaitApiFailure(store.policies().get(pid), 404);
      }
    }
  }

  @Test
  void policyCreateRacingRoleCreateNeverBindsAnotherOrganizationsRole() throws Exception {
    principals();
    for (int round = 0; round < 10; round++) {
      String r = "r-" + round;
      String pid = "p-" + round;
      // acme binds "r" (not stored: taken as predefined) while beta creates a custom role "r"
      List<Future<Object>> results = concurrently(2, 2, i -> i == 0
          ? store.policies().create(policy(pid, "acme", r, PrincipalRef.user("ann"))).map(p -> (Object) p)
          : store.roles().create(role(r, "beta")).map(x -> (Object) x));
      boolean bound = results.get(0).succeeded();
      boolean created = results.get(1).succeeded();
      assertThat(bound ^ created).as("exactly one of bind/create wins in round %d", round).isTrue();
      if (bound) {
        ApiException e = (ApiException) results.get(1).cause();
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.reason()).isEqualTo("FAILED_PRECONDITION");
        awaitApiFailure(store.roles().get(r), 404);
      } else {
        assertThat(((ApiException) results.get(0).cause()).status()).isEqualTo(400);
        awaitApiFailure(store.policies().get(pid), 404);
      }
    }
  }

  @Test
  void policyCreateRacingRoleDeleteNeverBindsADeletedRole() throws Exception {
    principals();
    for (int round = 0; round < 10; round++) {
      String r = "r-" + round;
      String pid = "p-" + round;
      await(store.roles().create(role(r, "acme")));
      List<Future<Object>> results = concurrently(2, 2, i -> i == 0
          ? store.policies().create(policy(pid, "acme", r, PrincipalRef.user("ann"))).map(p -> (Object) p)
          : store.roles().delete(r, null).map(v -> (Object) "deleted"));
      assertThat(results.get(0).succeeded()).as("the binding, round %d", round).isTrue();
      if (results.get(1).succeeded()) {
        // deleted first: the binding names a role that is gone (it grants nothing), and the id stays unusable
        awaitApiFailure(store.roles().get(r), 404);
        assertConflict(store.roles().create(role(r, "acme")), "FAILED_PRECONDITION",
            "role id '" + r + "' is named by existing policies; delete them or choose another id");
      } else {
        assertThat(((ApiException) results.get(1).cause()).status()).isEqualTo(409);
        await(store.roles().get(r));
      }
    }
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
  void aTokenRevokedManyTimesAtOnceHasOneEventAndAMarkerNone() {
    Instant now = Clock.now();
    RevocationStore r = store.revocations();
    List<io.vertx.core.Future<Void>> all = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      all.add(r.revoke("tok-once", now.plusSeconds(60 + i)));
    }
    await(io.vertx.core.Future.all(all));
    await(r.revoke("tok-once", now.plusSeconds(30)));
    await(r.revoke(io.k0rdent.api.core.auth.AuthState.allTokensOfSubject("someone"), now.plusSeconds(60)));
    var revoked = await(store.events().pending(EventOutbox.MAX_BATCH)).stream()
        .filter(row -> row.event().type().equals(io.k0rdent.api.core.event.ChangeEvents.TOKEN_REVOKED)).toList();
    assertThat(revoked).extracting(row -> row.event().data().getString("jti")).containsExactly("tok-once");
    assertThat(revoked.get(0).key()).isEqualTo("/v1/regions/global/auth/tokens/tok-once");
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
