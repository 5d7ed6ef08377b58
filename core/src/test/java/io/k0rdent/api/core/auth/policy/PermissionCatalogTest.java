package io.k0rdent.api.core.auth.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interning, wildcard expansion, pattern validation and unknown-permission reporting. */
class PermissionCatalogTest {

  private final PermissionCatalog catalog = PermissionCatalog.of(List.of(
      "compute.clusters.create", "compute.clusters.get", "compute.clusters.delete",
      "compute.networks.get", "iam.policies.delete", "iam.serviceAccounts.create",
      "infrastructure.servers.provision", "compute.clusters.get" /* duplicate */));

  @Test
  void idsAreDenseInListOrderAndDuplicatesKeepTheirFirstId() {
    assertThat(catalog.size()).isEqualTo(7);
    assertThat(catalog.words()).isEqualTo(1);
    assertThat(catalog.id("compute.clusters.create")).isZero();
    assertThat(catalog.id("compute.clusters.get")).isEqualTo(1);
    assertThat(catalog.id("infrastructure.servers.provision")).isEqualTo(6);
    assertThat(catalog.name(4)).isEqualTo("iam.policies.delete");
    assertThat(catalog.names()).hasSize(7).doesNotHaveDuplicates();
  }

  @Test
  void unknownNamesAndPatternsHaveNoId() {
    assertThat(catalog.id("compute.clusters.update")).isEqualTo(-1);
    assertThat(catalog.id("compute.*")).isEqualTo(-1);
    assertThat(catalog.id(null)).isEqualTo(-1);
  }

  @Test
  void expandsExactNamesAndSuffixWildcards() {
    assertThat(catalog.matching("compute.clusters.get")).containsExactly("compute.clusters.get");
    assertThat(catalog.matching("compute.clusters.*"))
        .containsExactly("compute.clusters.create", "compute.clusters.get", "compute.clusters.delete");
    assertThat(catalog.matching("compute.*")).containsExactly("compute.clusters.create", "compute.clusters.get",
        "compute.clusters.delete", "compute.networks.get");
    assertThat(catalog.matching("iam.*")).containsExactly("iam.policies.delete", "iam.serviceAccounts.create");
    assertThat(catalog.matching("*")).containsExactlyElementsOf(catalog.names());
    assertThat(catalog.expandBits("compute.clusters.*")).isEqualTo(BitSet.valueOf(new long[] {0b111}));
  }

  @Test
  void wellFormedPatternsThatMatchNothingExpandToTheEmptySet() {
    assertThat(catalog.expand("storage.*")).containsOnly(0L);
    assertThat(catalog.expand("compute.volumes.*")).containsOnly(0L);
    assertThat(catalog.expand("compute.clusters.update")).containsOnly(0L);
  }

  @Test
  void expandReturnsACopy() {
    catalog.expand("compute.*")[0] = -1L;
    assertThat(catalog.matching("compute.*")).hasSize(4);
  }

  @Test
  void wildcardsOnlyAsAWholeLastSegmentAndSegmentsStartLowercase() {
    for (String ok : List.of("*", "compute.*", "compute.clusters.*", "compute.clusters.get",
        "iam.serviceAccounts.create", "svc0.res12.verb3")) {
      assertThat(PermissionCatalog.isPattern(ok)).as(ok).isTrue();
    }
    for (String bad : List.of("", "compute", "compute.clusters", "*.*", "*.*.get", "compute.*.get",
        "compute.cl*", "compute.clusters.get*", "compute.clusters.get.*", "Compute.clusters.get",
        "compute.Clusters.get", "compute..get", ".compute.clusters", "compute.clusters.", "compute.clusters.get.x",
        "compute.clus-ters.get", "compute.clusters.get ", "1compute.clusters.get", "compute.*.*")) {
      assertThat(PermissionCatalog.isPattern(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> catalog.expand(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(PermissionCatalog.isPattern(null)).isFalse();
  }

  @Test
  void theCatalogueHoldsOnlyPermissionNames() {
    assertThatThrownBy(() -> PermissionCatalog.of(List.of("compute.clusters.get", "compute.*")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("compute.*");
    assertThatThrownBy(() -> PermissionCatalog.of(List.of("compute.clusters")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownNamesEveryPatternThatGrantsNothingOnce() {
    assertThat(catalog.unknown(List.of("compute.*", "compute.clusters.get", "iam.policies.*"))).isEmpty();
    assertThat(catalog.unknown(List.of("compute.clusters.get", "compute.clusters.scale", "storage.*",
        "compute.*.get", "storage.*", "compute.volumes.*")))
        .containsExactly("compute.clusters.scale", "storage.*", "compute.*.get", "compute.volumes.*");
  }

  @Test
  void expandAllIsTheUnionAndNamesEveryMalformedPattern() {
    assertThat(catalog.names(catalog.expandAll(List.of("compute.networks.get", "iam.*", "storage.*"))))
        .containsExactly("compute.networks.get", "iam.policies.delete", "iam.serviceAccounts.create");
    assertThatThrownBy(() -> catalog.expandAll(List.of("compute.*", "compute.*.get", "x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("compute.*.get").hasMessageContaining("x");
  }

  @Test
  void bitsetsSpanSeveralWords() {
    List<String> many = new java.util.ArrayList<>();
    for (int i = 0; i < 130; i++) {
      many.add("svc" + (i % 3) + ".res" + (i % 7) + ".verb" + i);
    }
    PermissionCatalog big = PermissionCatalog.of(many);
    assertThat(big.words()).isEqualTo(3);
    assertThat(big.matching("svc1.*")).hasSize(43).allMatch(n -> n.startsWith("svc1."));
    assertThat(big.matching("svc2.res4.*")).allMatch(n -> n.startsWith("svc2.res4."));
    assertThat(big.names(big.expand("*"))).containsExactlyElementsOf(many);
  }

  @Test
  void theProductCatalogueIsValidAndKeepsTheRoutersNames() {
    PermissionCatalog product = Permissions.catalog();
    assertThat(product.size()).isEqualTo(Permissions.ALL.size());
    for (String n : List.of("resourcemanager.organizations.create", "resourcemanager.projects.delete",
        "iam.serviceAccounts.update", "iam.apikeys.admin", "auth.keys.rotate", "auth.tokens.introspect",
        "auth.tokens.revoke", "auth.check.others", "compute.clusters.create", "infrastructure.servers.provision",
        "iam.policies.delete", "audit.events.list")) {
      assertThat(product.id(n)).as(n).isNotNegative();
    }
  }
}
