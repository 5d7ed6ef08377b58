package io.k0rdent.api.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.event.ChangeEvents;
import io.k0rdent.api.core.event.CloudEvent;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.store.AuditQuery.Reach;
import io.k0rdent.api.core.store.EventOutbox.RelayLock;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link EventOutbox} adapter must have ({@link Store#events()}): appended events come back
 * unchanged from {@link EventOutbox#pending} oldest first, in batches, until marked published; marking is
 * idempotent; the backlog counts the unpublished rows; ids are unique UUIDs; concurrent appends all land with
 * distinct seqs; the relay lock has one holder at a time. The audit log reads every row newest first, confined to one
 * organization or platform-wide, with each filter, in keyset pages without gaps or repeats; retention deletes old
 * published rows (and old unpublished ones only when asked). An adapter's test extends this class and supplies a
 * fresh, empty store per test.
 */
public abstract class EventOutboxContract extends StoreSuite {

  /** {@code store.events()}. */
  protected EventOutbox events;

  @BeforeEach
  void setUpOutbox() {
    events = store.events();
  }

  /** A project event with every attribute set, {@code n} in its data. */
  protected static CloudEvent event(String project, int n) {
    return CloudEvent.of("//api.k0rdent.io/regions/global", "ai.k0rdent.resourcemanager.project.updated",
            "/v1/projects/" + project, Instant.parse("2031-05-06T07:08:09.123Z").plusMillis(n),
            new JsonObject().put("id", project).put("n", n).put("labels", new JsonObject().put("a", "b")))
        .withContext("alice", "user", "req-" + n, "192.0.2.7");
  }

  private static List<Long> seqs(List<OutboxRow> rows) {
    return rows.stream().map(OutboxRow::seq).toList();
  }

  @Test
  void appendedEventsComeBackOldestFirstUntilPublished() {
    assertThat(await(events.backlog())).isZero();
    assertThat(await(events.pending(10))).isEmpty();
    List<CloudEvent> appended = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      CloudEvent e = event(i % 2 == 0 ? "p1" : "p2", i);
      appended.add(e);
      await(events.append(e, e.subject()));
    }
    assertThat(await(events.backlog())).isEqualTo(5);
    List<OutboxRow> all = await(events.pending(10));
    assertThat(all).extracting(OutboxRow::event).containsExactlyElementsOf(appended);
    assertThat(all).extracting(OutboxRow::key).containsExactly("/v1/projects/p1", "/v1/projects/p2",
        "/v1/projects/p1", "/v1/projects/p2", "/v1/projects/p1");
    assertThat(seqs(all)).isSorted().doesNotHaveDuplicates().allMatch(s -> s > 0);
    // a batch is the oldest rows
    List<OutboxRow> first = await(events.pending(2));
    assertThat(first).containsExactlyElementsOf(all.subList(0, 2));

    await(events.markPublished(seqs(first)));
    assertThat(await(events.backlog())).isEqualTo(3);
    assertThat(await(events.pending(10))).containsExactlyElementsOf(all.subList(2, 5));
    // idempotent, unknown seqs skipped, any order
    await(events.markPublished(List.of(all.get(4).seq(), all.get(0).seq(), 999_999L)));
    await(events.markPublished(List.of()));
    assertThat(await(events.backlog())).isEqualTo(2);
    assertThat(await(events.pending(10))).containsExactlyElementsOf(all.subList(2, 4));
  }

  @Test
  void theEventRoundTripsWithEveryAttributeAndItsData() {
    CloudEvent e = event("p1", 7);
    await(events.append(e, "/v1/projects/p1"));
    CloudEvent back = await(events.pending(1)).get(0).event();
    assertThat(back).isEqualTo(e);
    assertThat(back.toJson()).isEqualTo(e.toJson());
    CloudEvent bare = new CloudEvent(UUID.randomUUID().toString(), "/s", "t", null, null, null, null, null, null,
        null, null);
    await(events.append(bare, "/k"));
    assertThat(await(events.pending(2)).get(1).event()).isEqualTo(bare);
  }

  @Test
  void idsAreUniqueUuidsAndKeysNonEmpty() {
    CloudEvent e = event("p1", 1);
    await(events.append(e, "/v1/projects/p1"));
    awaitApiFailure(events.append(e, "/v1/projects/p1"), 409, "ALREADY_EXISTS");
    CloudEvent notUuid = new CloudEvent("not-a-uuid", "/s", "t", null, null, null, null, null, null, null, null);
    assertThat(awaitFailure(events.append(notUuid, "/k"))).isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(events.append(event("p1", 2), ""))).isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(events.pending(0))).isInstanceOf(IllegalArgumentException.class);
    assertThat(awaitFailure(events.pending(EventOutbox.MAX_BATCH + 1))).isInstanceOf(IllegalArgumentException.class);
    assertThat(await(events.backlog())).isEqualTo(1);
  }

  @Test
  void concurrentAppendsAllLandWithDistinctSeqs() throws Exception {
    List<Future<Void>> done = concurrently(200, 8, i -> events.append(event("p" + (i % 5), i), "/v1/projects/p" + (i % 5)));
    done.forEach(StoreSuite::await);
    List<OutboxRow> rows = await(events.pending(EventOutbox.MAX_BATCH));
    assertThat(rows).hasSize(200);
    assertThat(seqs(rows)).isSorted().doesNotHaveDuplicates();
    Set<Integer> ns = new HashSet<>();
    rows.forEach(r -> ns.add(r.event().data().getInteger("n")));
    assertThat(ns).hasSize(200);
    assertThat(await(events.backlog())).isEqualTo(200);
  }

  @Test
  void theRelayLockHasOneHolderAtATime() {
    RelayLock a = await(events.tryLock("node-a/1"));
    assertThat(a).isNotNull();
    assertThat(a.holder()).isEqualTo("node-a/1");
    assertThat(await(a.check())).isTrue();
    assertThat(await(events.tryLock("node-b/1"))).isNull();
    await(a.release());
    await(a.release());
    assertThat(await(a.check())).isFalse();
    RelayLock b = await(events.tryLock("node-b/1"));
    assertThat(b).isNotNull();
    assertThat(await(b.check())).isTrue();
    assertThat(await(events.tryLock("node-a/1"))).isNull();
    await(b.release());
  }

  // ------------------------------------------------------------------ audit log and retention

  private static final Instant T0 = Instant.parse("2031-05-06T07:00:00Z");

  /** An event with the attributes the audit log filters on; {@code minute} past {@link #T0} (null: no time). */
  protected static CloudEvent auditEvent(String subject, String type, String actor, Integer minute) {
    return CloudEvent.of("//api.k0rdent.io/regions/global", type, subject,
            minute == null ? null : T0.plusSeconds(60L * minute), new JsonObject().put("subject", subject))
        .withContext(actor, "user", "req-" + UUID.randomUUID(), "192.0.2.9");
  }

  /** Appends {@code e} owned by {@code org} (null: the provider's) and answers it. */
  private CloudEvent put(CloudEvent e, String org) {
    await(events.append(e, e.subject() == null ? "/k" : e.subject(), org));
    return e;
  }

  private static List<String> ids(AuditPage page) {
    return page.entries().stream().map(x -> x.event().id()).toList();
  }

  private List<String> audited(AuditQuery q) {
    return ids(await(events.audit(q)));
  }

  private static AuditQuery query(Reach reach, Integer from, Integer to, String actor, String prefix, String type) {
    return new AuditQuery(reach, from == null ? null : T0.plusSeconds(60L * from),
        to == null ? null : T0.plusSeconds(60L * to), actor, prefix, type, null, AuditQuery.MAX_LIMIT);
  }

  @Test
  void theAuditLogIsNewestFirstAndPagesWithoutGapsOrRepeats() {
    assertThat(await(events.audit(AuditQuery.of(Reach.ALL, 10))).entries()).isEmpty();
    List<String> appended = new ArrayList<>();
    CloudEvent last = null;
    for (int i = 0; i < 23; i++) {
      String org = i % 3 == 0 ? "acme" : i % 3 == 1 ? "umbrella" : null;
      last = put(auditEvent("/v1/projects/p" + i, "ai.k0rdent.resourcemanager.project.created", "alice", i), org);
      appended.add(last.id());
    }
    // published rows stay in the log
    await(events.markPublished(seqs(await(events.pending(10)))));
    List<String> newestFirst = new ArrayList<>(appended);
    java.util.Collections.reverse(newestFirst);

    AuditPage whole = await(events.audit(AuditQuery.of(Reach.ALL, AuditQuery.MAX_LIMIT)));
    assertThat(ids(whole)).containsExactlyElementsOf(newestFirst);
    assertThat(whole.more()).isFalse();
    assertThat(whole.entries()).extracting(AuditPage.Entry::seq).isSortedAccordingTo(java.util.Comparator.reverseOrder())
        .doesNotHaveDuplicates();
    // the event comes back whole, every attribute and its data
    assertThat(whole.entries().get(0).event()).isEqualTo(last);
    assertThat(whole.entries().get(0).event().toJson()).isEqualTo(last.toJson());

    for (int size : new int[] {1, 5, 23}) {
      List<String> walked = new ArrayList<>();
      AuditQuery q = AuditQuery.of(Reach.ALL, size);
      int pages = 0;
      while (true) {
        AuditPage page = await(events.audit(q));
        pages++;
        assertThat(page.entries()).hasSizeLessThanOrEqualTo(size);
        walked.addAll(ids(page));
        if (!page.more()) {
          break;
        }
        assertThat(page.entries()).as("a page with more after it is full").hasSize(size);
        q = q.before(page.lastSeq());
      }
      assertThat(walked).as("pages of %d", size).containsExactlyElementsOf(newestFirst);
      assertThat(pages).isEqualTo((23 + size - 1) / size);
    }
    // rows appended during a walk are newer than its cursor: the walk goes on unaffected
    AuditPage first = await(events.audit(AuditQuery.of(Reach.ALL, 10)));
    put(auditEvent("/v1/projects/late", "t", "bob", 99), "acme");
    AuditPage second = await(events.audit(AuditQuery.of(Reach.ALL, 10).before(first.lastSeq())));
    assertThat(ids(second)).containsExactlyElementsOf(newestFirst.subList(10, 20));
  }

  @Test
  void anOrganizationsReachShowsOnlyItsOwnRowsNeverTheProvidersOrAnothers() {
    CloudEvent a1 = put(auditEvent("/v1/regions/global/projects/a1", "t.created", "ann", 1), "acme");
    CloudEvent b1 = put(auditEvent("/v1/regions/global/projects/b1", "t.created", "bob", 2), "umbrella");
    CloudEvent p1 = put(auditEvent("/v1/regions/global/organizations/acme", "t.created", "op", 3), null);
    CloudEvent plain = auditEvent("/v1/regions/global/auth/keys", "t.rotated", "op", 4);
    await(events.append(plain, "/k")); // the two-argument append: the provider's own
    CloudEvent a2 = put(auditEvent("/v1/regions/global/projects/a2", "t.updated", "ann", 5), "acme");

    AuditPage acme = await(events.audit(AuditQuery.of(Reach.organization("acme"), 50)));
    assertThat(ids(acme)).containsExactly(a2.id(), a1.id());
    assertThat(acme.entries()).allSatisfy(e -> assertThat(e.organizationId()).isEqualTo("acme"));
    assertThat(audited(AuditQuery.of(Reach.organization("umbrella"), 50))).containsExactly(b1.id());
    assertThat(audited(AuditQuery.of(Reach.organization("nobody"), 50))).isEmpty();
    // a prefix of an organization's id is another organization
    assertThat(audited(AuditQuery.of(Reach.organization("acm"), 50))).isEmpty();
    AuditPage all = await(events.audit(AuditQuery.of(Reach.ALL, 50)));
    assertThat(ids(all)).containsExactly(a2.id(), plain.id(), p1.id(), b1.id(), a1.id());
    assertThat(all.entries()).extracting(AuditPage.Entry::organizationId)
        .containsExactly("acme", null, null, "umbrella", "acme");
    // filters never widen a reach
    assertThat(audited(query(Reach.organization("acme"), null, null, "bob", null, null))).isEmpty();
    assertThat(audited(query(Reach.organization("acme"), null, null, null, "/v1/regions/global/organizations", null)))
        .isEmpty();
    // "one organization" cannot be spelled as "all"
    assertThatThrownBy(() -> Reach.organization(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Reach.organization("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditQuery.of(null, 5)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void everyFilterNarrowsAndTheyCombine() {
    CloudEvent a = put(auditEvent("/v1/regions/global/projects/train", "ai.k0rdent.resourcemanager.project.created",
        "alice", 0), "acme");
    CloudEvent b = put(auditEvent("/v1/regions/global/projects/train", "ai.k0rdent.resourcemanager.project.updated",
        "bob", 10), "acme");
    CloudEvent c = put(auditEvent("/v1/regions/global/projects/training", "ai.k0rdent.resourcemanager.project.created",
        "alice", 20), "acme");
    CloudEvent d = put(auditEvent("/v1/regions/global/iam/users/ann", "ai.k0rdent.iam.user.created", "alice2", 30),
        "acme");
    CloudEvent timeless = put(auditEvent("/v1/regions/global/iam/users/bo", "ai.k0rdent.iam.user.created", "alice",
        null), "acme");
    Reach acme = Reach.organization("acme");

    // time: start inclusive, end exclusive; rows without a time match no time filter
    assertThat(audited(query(acme, 10, null, null, null, null))).containsExactly(d.id(), c.id(), b.id());
    assertThat(audited(query(acme, null, 20, null, null, null))).containsExactly(b.id(), a.id());
    assertThat(audited(query(acme, 10, 20, null, null, null))).containsExactly(b.id());
    assertThat(audited(query(acme, 10, 10, null, null, null))).isEmpty();
    assertThat(audited(query(acme, 31, null, null, null, null))).isEmpty();
    // actor: exact, case-sensitive, never a prefix
    assertThat(audited(query(acme, null, null, "alice", null, null))).containsExactly(timeless.id(), c.id(), a.id());
    assertThat(audited(query(acme, null, null, "alic", null, null))).isEmpty();
    assertThat(audited(query(acme, null, null, "Alice", null, null))).isEmpty();
    // type: exact
    assertThat(audited(query(acme, null, null, null, null, "ai.k0rdent.resourcemanager.project.created")))
        .containsExactly(c.id(), a.id());
    assertThat(audited(query(acme, null, null, null, null, "ai.k0rdent.resourcemanager.project"))).isEmpty();
    // subject: a prefix of the selfLink
    assertThat(audited(query(acme, null, null, null, "/v1/regions/global/projects/train", null)))
        .containsExactly(c.id(), b.id(), a.id());
    assertThat(audited(query(acme, null, null, null, "/v1/regions/global/projects/train/", null))).isEmpty();
    assertThat(audited(query(acme, null, null, null, "/v1/regions/global/iam/", null)))
        .containsExactly(timeless.id(), d.id());
    assertThat(audited(query(acme, null, null, null, "/V1", null))).isEmpty();
    // together
    assertThat(audited(query(acme, 0, 30, "alice", "/v1/regions/global/projects/", "ai.k0rdent.resourcemanager"
        + ".project.created"))).containsExactly(c.id(), a.id());
    assertThat(audited(query(acme, 5, 30, "alice", "/v1/regions/global/projects/", "ai.k0rdent.resourcemanager"
        + ".project.created"))).containsExactly(c.id());
    // filtered pages walk without gaps either
    AuditQuery q = new AuditQuery(acme, null, null, "alice", null, null, null, 1);
    List<String> walked = new ArrayList<>();
    AuditPage page;
    do {
      page = await(events.audit(q));
      walked.addAll(ids(page));
      if (page.lastSeq() != null) {
        q = q.before(page.lastSeq());
      }
    } while (page.more());
    assertThat(walked).containsExactly(timeless.id(), c.id(), a.id());
  }

  @Test
  void theSubjectPrefixIsLiteralLikeWildcardsIncluded() {
    CloudEvent underscore = put(auditEvent("/v1/a_b/x", "t", "u", 1), "acme");
    CloudEvent letter = put(auditEvent("/v1/aXb/x", "t", "u", 2), "acme");
    CloudEvent percent = put(auditEvent("/v1/a%b", "t", "u", 3), "acme");
    CloudEvent percentLonger = put(auditEvent("/v1/a%bc", "t", "u", 4), "acme");
    CloudEvent backslash = put(auditEvent("/v1/a\\b", "t", "u", 5), "acme");
    CloudEvent plain = put(auditEvent("/v1/ab", "t", "u", 6), "acme");
    Reach acme = Reach.organization("acme");
    assertThat(audited(query(acme, null, null, null, "/v1/a_b", null))).containsExactly(underscore.id());
    assertThat(audited(query(acme, null, null, null, "/v1/a%", null))).containsExactly(percentLonger.id(),
        percent.id());
    assertThat(audited(query(acme, null, null, null, "/v1/a%b", null))).containsExactly(percentLonger.id(),
        percent.id());
    assertThat(audited(query(acme, null, null, null, "/v1/a\\", null))).containsExactly(backslash.id());
    assertThat(audited(query(acme, null, null, null, "/v1/a\\b", null))).containsExactly(backslash.id());
    assertThat(audited(query(acme, null, null, null, "%", null))).isEmpty();
    assertThat(audited(query(acme, null, null, null, "_", null))).isEmpty();
    assertThat(audited(query(acme, null, null, null, "/v1/a", null))).containsExactly(plain.id(), backslash.id(),
        percentLonger.id(), percent.id(), letter.id(), underscore.id());
  }

  @Test
  void aQueryOutOfRangeIsRefused() {
    assertThatThrownBy(() -> AuditQuery.of(Reach.ALL, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditQuery.of(Reach.ALL, AuditQuery.MAX_LIMIT + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditQuery.of(Reach.ALL, 5).before(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AuditQuery(Reach.ALL, T0, T0.minusMillis(1), null, null, null, null, 5))
        .isInstanceOf(IllegalArgumentException.class);
    for (int i = 0; i < 3; i++) {
      int which = i;
      assertThatThrownBy(() -> new AuditQuery(Reach.ALL, null, null, which == 0 ? "" : null, which == 1 ? "" : null,
          which == 2 ? "" : null, null, 5)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void retentionDeletesOldPublishedRowsAndKeepsUnpublishedOnesUnlessTold() {
    CloudEvent oldPublished = put(auditEvent("/v1/x/1", "t", "u", 0), "acme");
    CloudEvent oldPublished2 = put(auditEvent("/v1/x/2", "t", "u", 1), null);
    List<Long> published = seqs(await(events.pending(2)));
    await(events.markPublished(published));
    CloudEvent oldPending = put(auditEvent("/v1/x/3", "t", "u", 2), "acme");
    CloudEvent timeless = put(auditEvent("/v1/x/4", "t", "u", null), "acme");
    await(events.markPublished(List.of(seqs(await(events.pending(10))).get(1))));
    CloudEvent fresh = put(auditEvent("/v1/x/5", "t", "u", 60), "acme");
    await(events.markPublished(List.of(seqs(await(events.pending(10))).get(1))));
    CloudEvent freshPending = put(auditEvent("/v1/x/6", "t", "u", 61), "acme");
    Instant cutoff = T0.plusSeconds(60L * 60); // exclusive: "fresh" is exactly at the cut-off and stays

    assertThat(await(events.purge(cutoff, false))).isEqualTo(2);
    assertThat(audited(AuditQuery.of(Reach.ALL, 50))).containsExactly(freshPending.id(), fresh.id(), timeless.id(),
        oldPending.id());
    assertThat(await(events.backlog())).isEqualTo(2);
    assertThat(await(events.pending(10))).extracting(r -> r.event().id())
        .containsExactly(oldPending.id(), freshPending.id());
    assertThat(await(events.purge(cutoff, false))).isZero();

    // without a relay nothing would ever publish them: the old unpublished rows go too, the fresh ones stay
    assertThat(await(events.purge(cutoff, true))).isEqualTo(1);
    assertThat(audited(AuditQuery.of(Reach.ALL, 50))).containsExactly(freshPending.id(), fresh.id(), timeless.id());
    assertThat(await(events.backlog())).isEqualTo(1);
    assertThat(await(events.purge(cutoff, true))).isZero();
    assertThat(audited(AuditQuery.of(Reach.ALL, 50))).doesNotContain(oldPublished.id(), oldPublished2.id());
  }

  @Test
  void aPurgeOfManyRowsDeletesThemAll() {
    for (int i = 0; i < 120; i++) {
      put(auditEvent("/v1/x/" + i, "t", "u", i % 7), i % 2 == 0 ? "acme" : null);
    }
    CloudEvent keep = put(auditEvent("/v1/x/keep", "t", "u", 100), "acme");
    assertThat(await(events.purge(T0.plusSeconds(60L * 50), true))).isEqualTo(120);
    assertThat(audited(AuditQuery.of(Reach.ALL, 50))).containsExactly(keep.id());
  }

  @Test
  void theStoresMutationsAreAuditedUnderTheirOrganization() {
    // renderings as the router installs them: an organization owns itself, a project's owner is resolved by the
    // store from the project row (PostgreSQL: a sub-select in the insert)
    store.changeEvents().register(Organization.class, new ChangeEvents.Rendering<>("ai.k0rdent.test.organization",
        o -> "/v1/regions/global/organizations/" + o.id(), o -> ChangeEvents.Owner.organization(o.id()),
        o -> new JsonObject().put("id", o.id())));
    store.changeEvents().register(Project.class, new ChangeEvents.Rendering<>("ai.k0rdent.test.project",
        p -> "/v1/regions/global/projects/" + p.id(), p -> ChangeEvents.Owner.project(p.id()),
        p -> new JsonObject().put("id", p.id())));
    seedAcmeProjects();
    Instant now = io.k0rdent.api.core.resource.Clock.now();
    await(store.organizations().create(new Organization("umbrella", UUID.randomUUID(), "U", null, now, now, 1)));

    AuditPage acme = await(events.audit(AuditQuery.of(Reach.organization("acme"), 50)));
    assertThat(acme.entries()).extracting(e -> e.event().subject()).containsExactly(
        "/v1/regions/global/projects/infer", "/v1/regions/global/projects/train",
        "/v1/regions/global/organizations/acme");
    assertThat(acme.entries()).extracting(e -> e.event().type()).containsExactly("ai.k0rdent.test.project.created",
        "ai.k0rdent.test.project.created", "ai.k0rdent.test.organization.created");
    // the system made them (no request): its actor id is on the row, and the actor filter finds it
    assertThat(audited(new AuditQuery(Reach.organization("acme"), null, null, "k0rdent", null, null, null, 50)))
        .hasSize(3);
    assertThat(audited(AuditQuery.of(Reach.organization("umbrella"), 50))).hasSize(1);
    assertThat(audited(AuditQuery.of(Reach.ALL, 50))).hasSize(4);
  }
}
