package io.k0rdent.api.verticles.store.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.Test;

class PgSettingsTest {

  @Test
  void parsesTheUrlAndSetsTheSearchPath() {
    PgSettings s = new PgSettings("postgresql://app:s%40cret@db.example:6543/k0rdent?application_name=api", "k0", 8);
    PgConnectOptions o = s.connectOptions();
    assertThat(o.getHost()).isEqualTo("db.example");
    assertThat(o.getPort()).isEqualTo(6543);
    assertThat(o.getDatabase()).isEqualTo("k0rdent");
    assertThat(o.getUser()).isEqualTo("app");
    assertThat(o.getPassword()).isEqualTo("s@cret");
    assertThat(o.getProperties())
        .containsEntry("search_path", "k0")
        .containsEntry("application_name", "api")
        .containsEntry("DateStyle", "ISO")
        .containsEntry("client_encoding", "utf8");
    assertThat(s.user()).isEqualTo("app");
    assertThat(s.password()).isEqualTo("s@cret");
    assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/k0rdent?sslmode=disable");
    assertThat(s.toString()).doesNotContain("cret");
  }

  @Test
  void withoutSchemaOrPasswordKeepsTheDefaults() {
    PgSettings s = new PgSettings("postgresql://postgres@127.0.0.1:5432/test", null, 1);
    assertThat(s.connectOptions().getProperties()).doesNotContainKey("search_path");
    assertThat(s.password()).isNull();
    assertThat(s.user()).isEqualTo("postgres");
  }

  @Test
  void rejectsMalformedValuesWithoutEchoingTheUrl() {
    assertThatThrownBy(() -> new PgSettings("mysql://u:topsecret@h/db", null, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("topsecret");
    assertThatThrownBy(() -> new PgSettings("postgresql://h/db", "Bad-Schema", 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PgSettings("postgresql://h/db", null, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
