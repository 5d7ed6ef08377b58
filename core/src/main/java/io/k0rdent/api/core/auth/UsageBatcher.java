package io.k0rdent.api.core.auth;

import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.core.store.Use;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collects {@code lastUsedAt}/{@code lastUsedIp} of credentials and API keys in memory (the latest per id)
 * and writes them with one statement per kind on {@link #flush}, so a busy token endpoint costs the
 * database nothing per request. Thread-safe. A crash loses at most one flush interval of usage times.
 */
public final class UsageBatcher {

  private final Store store;
  private final Map<String, Use> credentials = new ConcurrentHashMap<>();
  private final Map<String, Use> apiKeys = new ConcurrentHashMap<>();

  public UsageBatcher(Store store) {
    this.store = store;
  }

  /** Notes a use; the later of two uses of one id wins. */
  public void record(AuthState.Kind kind, String id, Instant at, String ip) {
    Map<String, Use> m = kind == AuthState.Kind.API_KEY ? apiKeys : kind == AuthState.Kind.CREDENTIAL ? credentials : null;
    if (m != null) {
      m.merge(id, new Use(at, ip), (a, b) -> b.at().isBefore(a.at()) ? a : b);
    }
  }

  /** Writes what was collected since the last flush. */
  public Future<Void> flush() {
    Map<String, Use> c = drain(credentials);
    Map<String, Use> k = drain(apiKeys);
    Future<Void> a = c.isEmpty() ? Future.succeededFuture() : store.credentials().recordUse(c);
    Future<Void> b = k.isEmpty() ? Future.succeededFuture() : store.apiKeys().recordUse(k);
    return Future.join(a, b).mapEmpty();
  }

  private static Map<String, Use> drain(Map<String, Use> m) {
    Map<String, Use> out = new HashMap<>();
    for (String id : m.keySet()) {
      Use u = m.remove(id);
      if (u != null) {
        out.put(id, u);
      }
    }
    return out;
  }
}
