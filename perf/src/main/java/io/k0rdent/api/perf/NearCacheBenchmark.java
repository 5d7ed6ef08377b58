package io.k0rdent.api.perf;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.ServiceAccount;
import io.k0rdent.api.verticles.cluster.HazelcastSetup;
import io.k0rdent.api.verticles.config.Settings;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One embedded Hazelcast member configured as the product configures it ({@link HazelcastSetup#config}:
 * Compact serializers of the auth records), plus two maps of {@value #KEYS} service accounts (the
 * product's {@link ServiceAccount} record) keyed by id:
 * <ul>
 *   <li>{@code hashMapGet}: {@code HashMap.get} of the same keys (the floor, baseline);</li>
 *   <li>{@code nearCacheHit}: a map with the product's near-cache settings (OBJECT format, local entries
 *       cached, keys not serialized, invalidate on change, LRU), read as {@code HazelcastAuthState} reads
 *       its maps: {@code getAsync(id).toCompletableFuture()}, then {@code getNow(null)} when done (every
 *       read here is a hit: each key was read once in setup);</li>
 *   <li>{@code nearCacheGet}: the same near-cached map through plain {@code IMap.get} (for comparison);</li>
 *   <li>{@code imapGet}: a map without a near cache through plain {@code IMap.get}: the owner is this
 *       member, so a partition-thread operation and a Compact deserialization per call, no network.</li>
 * </ul>
 * Keys are visited in turn. Report each as a ratio to {@code hashMapGet} from the same run.
 * Run: {@code java -jar perf/target/benchmarks.jar NearCacheBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NearCacheBenchmark {

  static final int KEYS = 1024;
  static final String NEAR = "bench.near";
  static final String PLAIN = "bench.plain";

  private HazelcastInstance hazelcast;
  private IMap<String, Object> near;
  private IMap<String, Object> plain;
  private Map<String, Object> hashMap;
  private String[] keys;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    Config config = HazelcastSetup.config(
        new Settings.Hazelcast("bench-" + UUID.randomUUID(), 5701, "", "127.0.0.1"));
    config.addMapConfig(new MapConfig(NEAR).setBackupCount(1).setNearCacheConfig(new NearCacheConfig(NEAR)
        .setInMemoryFormat(InMemoryFormat.OBJECT)
        .setInvalidateOnChange(true)
        .setCacheLocalEntries(true)
        .setSerializeKeys(false)
        .setTimeToLiveSeconds(600)
        .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(10_000))));
    config.addMapConfig(new MapConfig(PLAIN).setBackupCount(1));
    hazelcast = Hazelcast.newHazelcastInstance(config);
    near = hazelcast.getMap(NEAR);
    plain = hazelcast.getMap(PLAIN);
    hashMap = new HashMap<>();
    keys = new String[KEYS];
    Instant now = Clock.now();
    for (int i = 0; i < KEYS; i++) {
      String id = "sa-" + i;
      keys[i] = id;
      ServiceAccount sa = new ServiceAccount(id, UUID.randomUUID(), "org-" + (i % 50),
          ServiceAccount.clientIdOf(id, "org-" + (i % 50)), "organization", "org-" + (i % 50),
          List.of("compute-viewer", "project-viewer"), ServiceAccount.ACTIVE, "bench", null, "bench", now, now, 1);
      near.set(id, sa);
      plain.set(id, sa);
      hashMap.put(id, sa);
    }
    for (String k : keys) {
      near.get(k); // fills the near cache
    }
    long hits = near.getLocalMapStats().getNearCacheStats().getHits();
    for (int i = 0; i < KEYS; i++) {
      if (!(nearCacheHit() instanceof ServiceAccount) || !(imapGet() instanceof ServiceAccount)) {
        throw new IllegalStateException("missing entry");
      }
    }
    if (near.getLocalMapStats().getNearCacheStats().getHits() - hits < KEYS) {
      throw new IllegalStateException("the near cache does not answer");
    }
    if (!near.getAsync(keys[0]).toCompletableFuture().isDone()) {
      throw new IllegalStateException("a near-cache hit is not an already completed future");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    hazelcast.shutdown();
  }

  private String nextKey() {
    String k = keys[next];
    next = (next + 1) & (KEYS - 1);
    return k;
  }

  /** Baseline: {@code HashMap.get}. */
  @Benchmark
  public Object hashMapGet() {
    return hashMap.get(nextKey());
  }

  /** As {@code HazelcastAuthState.lookup} reads: {@code getAsync}, then {@code getNow} when done. */
  @Benchmark
  public Object nearCacheHit() {
    var f = near.getAsync(nextKey()).toCompletableFuture();
    return f.isDone() ? f.getNow(null) : f.join();
  }

  @Benchmark
  public Object nearCacheGet() {
    return near.get(nextKey());
  }

  @Benchmark
  public Object imapGet() {
    return plain.get(nextKey());
  }
}
