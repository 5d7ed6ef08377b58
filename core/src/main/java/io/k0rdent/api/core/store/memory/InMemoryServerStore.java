package io.k0rdent.api.core.store.memory;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.event.ChangeEvents.Change;
import io.k0rdent.api.core.server.Server;
import io.k0rdent.api.core.server.ServerLogEntry;
import io.k0rdent.api.core.store.IpamStore.Place;
import io.k0rdent.api.core.store.Page;
import io.k0rdent.api.core.store.PageCursor;
import io.k0rdent.api.core.store.ServerStore;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@link ServerStore} in process memory (dev mode): every operation under the store-wide lock it shares with
 * {@link InMemoryStore}. Leases live here too, so in {@code dev} one process's workers share them.
 *
 * <p>Creates, updates (fenced or not) and fenced deletes record their event in the same critical section, built
 * after the checks and before the change so that a rendering fault changes nothing. Leases and logs are no
 * resource changes: they record none.
 */
final class InMemoryServerStore implements ServerStore {

  /** Entries kept per server at most; the oldest go first. */
  static final int MAX_LOG_ENTRIES = 10_000;

  private record LeaseRow(String holder, long token, Instant expires) {}

  private final Object lock;
  private final Predicate<String> projectExists;
  private final Map<String, Server> byKey = new HashMap<>();
  private final Map<UUID, Server> byUid = new HashMap<>();
  private final Map<UUID, LeaseRow> leases = new HashMap<>();
  private final Map<UUID, List<ServerLogEntry>> logs = new HashMap<>();
  private final Map<UUID, Long> logSeq = new HashMap<>();

  /** Where mutations append their events, in their critical section. */
  private final InMemoryEvents events;

  InMemoryServerStore(Object lock, Predicate<String> projectExists, InMemoryEvents events) {
    this.lock = lock;
    this.events = events;
    this.projectExists = projectExists;
  }

  private static String key(String region, String project, String id) {
    return region + "\u0000" + project + "\u0000" + id;
  }

  private <T> Future<T> run(Supplier<T> body) {
    try {
      synchronized (lock) {
        return Future.succeededFuture(body.get());
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Whether project {@code id} has servers (any region); caller holds the lock. */
  boolean hasProjectServers(String project) {
    return byUid.values().stream().anyMatch(s -> s.projectId().equals(project));
  }

  @Override
  public Future<Server> create(Server server) {
    return run(() -> {
      if (!projectExists.test(server.projectId())) {
        throw ApiException.notFound("project", server.projectId());
      }
      String k = key(server.region(), server.projectId(), server.id());
      if (byKey.containsKey(k) || byUid.containsKey(server.uid())) {
        throw ApiException.conflict("ALREADY_EXISTS", "server '" + server.id() + "' already exists");
      }
      checkBmcFree(server);
      Change change = events.created(server);
      byKey.put(k, server);
      byUid.put(server.uid(), server);
      events.record(change);
      return server;
    });
  }

  /** 409 when another server of {@code s}'s region has its BMC address; caller holds the lock. */
  private void checkBmcFree(Server s) {
    String address = s.bmc() == null ? null : s.bmc().address();
    if (address != null && byUid.values().stream().anyMatch(o -> !o.uid().equals(s.uid())
        && o.region().equals(s.region()) && o.bmc() != null && address.equals(o.bmc().address()))) {
      throw ServerStore.bmcTaken(address);
    }
  }

  @Override
  public Future<Server> get(Place place, String id) {
    return run(() -> {
      Server s = byKey.get(key(place.region(), place.project(), id));
      if (s == null) {
        throw ApiException.notFound("server", id);
      }
      return s;
    });
  }

  @Override
  public Future<Server> byUid(UUID uid) {
    return run(() -> byUid.get(uid));
  }

  @Override
  public Future<Page<Server>> list(Place place, PageCursor after, int limit) {
    return run(() -> {
      List<Server> all = byUid.values().stream()
          .filter(s -> s.region().equals(place.region()) && s.projectId().equals(place.project()))
          .filter(s -> after == null || s.createdAt().isAfter(after.createdAt())
              || s.createdAt().equals(after.createdAt()) && s.id().compareTo(after.id()) > 0)
          .sorted(Comparator.comparing(Server::createdAt).thenComparing(Server::id))
          .limit(limit + 1L).toList();
      if (all.size() <= limit) {
        return new Page<>(all, null);
      }
      Server last = all.get(limit - 1);
      return new Page<>(all.subList(0, limit), new PageCursor(last.createdAt(), last.id()));
    });
  }

  /** The compare-and-set replacement and its updated event; caller holds the lock. */
  private Server replace(Server updated, boolean replaceBmc) {
    Server cur = byUid.get(updated.uid());
    if (cur == null || !cur.id().equals(updated.id())) {
      throw ApiException.notFound("server", updated.id());
    }
    if (cur.version() != updated.version() - 1) {
      throw ApiException.preconditionFailed("server '" + updated.id() + "' was changed meanwhile");
    }
    if (replaceBmc) {
      checkBmcFree(updated);
    }
    Server stored = new Server(cur.region(), cur.projectId(), cur.id(), cur.uid(), updated.displayName(),
        updated.description(), updated.tags(), updated.persona(), replaceBmc ? updated.bmc() : cur.bmc(),
        updated.state(), updated.step(), updated.power(), updated.maintenance(), updated.health(),
        updated.lastError(), updated.hardware(), updated.provisioning(), updated.inspectAfterEnroll(),
        updated.stateChangedAt(), cur.createdAt(), updated.updatedAt(), updated.version());
    Change change = events.updated(stored);
    byUid.put(stored.uid(), stored);
    byKey.put(key(stored.region(), stored.projectId(), stored.id()), stored);
    events.record(change);
    return stored;
  }

  @Override
  public Future<Server> update(Server updated, boolean replaceBmc) {
    return run(() -> replace(updated, replaceBmc));
  }

  private void checkHolder(UUID uid, String holder, long token) {
    LeaseRow l = leases.get(uid);
    if (l == null || !holder.equals(l.holder()) || l.token() != token) {
      throw ApiException.conflict("LEASE_LOST", "another worker holds server " + uid + " now");
    }
  }

  @Override
  public Future<Server> updateFenced(Server updated, String holder, long token) {
    return run(() -> {
      if (!byUid.containsKey(updated.uid())) {
        throw ApiException.notFound("server", updated.id());
      }
      checkHolder(updated.uid(), holder, token);
      return replace(updated, false);
    });
  }

  @Override
  public Future<Void> deleteFenced(UUID uid, String holder, long token) {
    return run(() -> {
      Server s = byUid.get(uid);
      if (s == null) {
        throw ApiException.notFound("server", uid.toString());
      }
      checkHolder(uid, holder, token);
      Change change = events.deleted(s);
      byUid.remove(uid);
      byKey.remove(key(s.region(), s.projectId(), s.id()));
      leases.remove(uid);
      logs.remove(uid);
      logSeq.remove(uid);
      events.record(change);
      return null;
    });
  }

  @Override
  public Future<List<Server>> needingWork(Instant now, int limit) {
    return run(() -> byUid.values().stream()
        .filter(s -> !s.maintenance().on() && (s.state().working() || s.power().requested() != null))
        .filter(s -> {
          LeaseRow l = leases.get(s.uid());
          return l == null || l.holder() == null || !l.expires().isAfter(now);
        })
        .sorted(Comparator.comparing(Server::stateChangedAt).thenComparing(Server::id))
        .limit(limit).toList());
  }

  @Override
  public Future<Lease> acquire(UUID server, String holder, Duration ttl, Instant now) {
    return run(() -> {
      if (!byUid.containsKey(server)) {
        return null;
      }
      LeaseRow l = leases.get(server);
      if (l != null && l.holder() != null && !l.holder().equals(holder) && l.expires().isAfter(now)) {
        return null;
      }
      long token = (l == null ? 0 : l.token()) + 1;
      String previous = l == null || l.holder() == null || l.holder().equals(holder) ? null : l.holder();
      leases.put(server, new LeaseRow(holder, token, now.plus(ttl)));
      return new Lease(server, holder, token, previous);
    });
  }

  @Override
  public Future<Boolean> renew(UUID server, String holder, long token, Duration ttl, Instant now) {
    return run(() -> {
      LeaseRow l = leases.get(server);
      if (l == null || !holder.equals(l.holder()) || l.token() != token) {
        return false;
      }
      leases.put(server, new LeaseRow(holder, token, now.plus(ttl)));
      return true;
    });
  }

  @Override
  public Future<Void> release(UUID server, String holder, long token) {
    return run(() -> {
      LeaseRow l = leases.get(server);
      if (l != null && holder.equals(l.holder()) && l.token() == token) {
        leases.put(server, new LeaseRow(null, token, l.expires()));
      }
      return null;
    });
  }

  @Override
  public Future<Void> appendLog(UUID server, List<ServerLogEntry> entries) {
    return run(() -> {
      if (!byUid.containsKey(server)) {
        return null;
      }
      List<ServerLogEntry> log = logs.computeIfAbsent(server, k -> new ArrayList<>());
      long seq = logSeq.getOrDefault(server, 0L);
      for (ServerLogEntry e : entries) {
        seq++;
        log.add(new ServerLogEntry(seq, e.at(), e.severity(), e.message(), e.jobId()));
      }
      logSeq.put(server, seq);
      if (log.size() > MAX_LOG_ENTRIES) {
        log.subList(0, log.size() - MAX_LOG_ENTRIES).clear();
      }
      return null;
    });
  }

  @Override
  public Future<Page<ServerLogEntry>> logs(UUID server, Instant start, Instant end, long afterSeq, int limit) {
    return run(() -> {
      List<ServerLogEntry> out = new ArrayList<>();
      for (ServerLogEntry e : logs.getOrDefault(server, List.of())) {
        if (e.seq() > afterSeq && (start == null || !e.at().isBefore(start)) && (end == null || e.at().isBefore(end))) {
          out.add(e);
          if (out.size() > limit) {
            break;
          }
        }
      }
      if (out.size() <= limit) {
        return new Page<>(out, null);
      }
      ServerLogEntry last = out.get(limit - 1);
      return new Page<>(out.subList(0, limit), new PageCursor(null, Long.toString(last.seq())));
    });
  }
}
