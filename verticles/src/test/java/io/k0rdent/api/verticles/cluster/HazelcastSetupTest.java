package io.k0rdent.api.verticles.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.CompactSerializationConfigAccessor;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.topic.TopicOverloadPolicy;
import io.k0rdent.api.verticles.config.Settings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The member configuration {@link HazelcastAuthState} relies on. */
class HazelcastSetupTest {

  private final Config config = HazelcastSetup.config(new Settings.Hazelcast("k0rdent", 5701, "", "127.0.0.1"));

  @Test
  void authMapsHaveBoundedObjectNearCachesInvalidatedAtOnce() {
    // Batched invalidation would delay a change on other members by up to 10 s.
    assertThat(config.getProperty("hazelcast.map.invalidation.batch.enabled")).isEqualTo("false");
    for (String name : List.of(HazelcastAuthState.SERVICE_ACCOUNTS, HazelcastAuthState.CREDENTIALS,
        HazelcastAuthState.API_KEYS, HazelcastAuthState.USERS, HazelcastAuthState.ORGANIZATIONS,
        HazelcastAuthState.PROJECTS, HazelcastAuthState.ROLES, HazelcastAuthState.BINDINGS,
        HazelcastAuthState.MEMBERSHIPS)) {
      NearCacheConfig near = config.getMapConfig(name).getNearCacheConfig();
      assertThat(near).as(name).isNotNull();
      assertThat(near.isInvalidateOnChange()).isTrue();
      assertThat(near.getInMemoryFormat()).isEqualTo(InMemoryFormat.OBJECT);
      assertThat(near.isCacheLocalEntries()).isTrue();
      assertThat(near.isSerializeKeys()).isFalse();
      assertThat(near.getEvictionConfig().getMaxSizePolicy()).isEqualTo(MaxSizePolicy.ENTRY_COUNT);
      assertThat(near.getEvictionConfig().getSize()).isEqualTo(HazelcastSetup.AUTH_NEAR_CACHE_SIZE);
      assertThat(near.getEvictionConfig().getEvictionPolicy()).isEqualTo(EvictionPolicy.LRU);
    }
    assertThat(config.getMapConfig(HazelcastAuthState.REVOKED).getNearCacheConfig()).isNull();
  }

  @Test
  void eventsNeverWaitAndRecordsAreCompact() {
    assertThat(config.getReliableTopicConfig(HazelcastAuthState.EVENTS).getTopicOverloadPolicy())
        .isEqualTo(TopicOverloadPolicy.ERROR);
    // No TTL: the ring buffer then overwrites its oldest events instead of refusing new ones.
    assertThat(config.getRingbufferConfig("_hz_rb_" + HazelcastAuthState.EVENTS).getTimeToLiveSeconds()).isZero();
    assertThat(CompactSerializationConfigAccessor.getRegistrations(
        config.getSerializationConfig().getCompactSerializationConfig()))
        .containsKeys("k0rdent.auth.ServiceAccount", "k0rdent.auth.ServiceAccountCredential",
            "k0rdent.auth.ApiKey", "k0rdent.auth.User", "k0rdent.auth.Organization", "k0rdent.auth.Project",
            "k0rdent.auth.RoleDefinition", "k0rdent.auth.BindingList", "k0rdent.auth.GroupList", "k0rdent.auth.Mark",
            "k0rdent.auth.Event", "k0rdent.auth.Populate");
  }
}
