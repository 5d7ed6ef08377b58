package io.k0rdent.api.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GrantInputsTest {

  @Test
  void resourceKeysAreCanonical() {
    assertThat(GrantInputs.resourceKey("/v1/regions/local-1/projects/p1/compute/clusters/c1/"))
        .isEqualTo("projects/p1/compute/clusters/c1");
    assertThat(GrantInputs.resourceKey("organizations/acme/projects/p1/compute")).isEqualTo("projects/p1/compute");
    assertThat(GrantInputs.resourceKey("organizations/acme/projects/p1")).isEqualTo("projects/p1");
    assertThat(GrantInputs.resourceKey("organizations/acme/projects/")).isEqualTo("organizations/acme/projects");
    assertThat(GrantInputs.resourceKey("organizations//projects/p1")).isEqualTo("organizations//projects/p1");
    assertThat(GrantInputs.resourceKey("/v1/regions//projects/p1")).isEqualTo("v1/regions//projects/p1");
    assertThat(GrantInputs.resourceKey("///")).isEmpty();
    assertThat(GrantInputs.resourceKey(null)).isNull();
  }

  /** The parser is hand-written (no regex per call); it must answer exactly what the regex definition does. */
  @Test
  void resourceKeyMatchesItsRegexDefinitionOnRandomPaths() {
    String[] pieces = {"/", "//", "v1", "regions", "local-1", "organizations", "projects", "acme", "p1", "x", ""};
    Random random = new Random(42);
    for (int i = 0; i < 50_000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = random.nextInt(9);
      for (int k = 0; k < n; k++) {
        sb.append(pieces[random.nextInt(pieces.length)]);
        if (random.nextInt(3) > 0) {
          sb.append('/');
        }
      }
      String path = sb.toString();
      assertThat(GrantInputs.resourceKey(path)).as(path).isEqualTo(byRegex(path));
      assertThat(GrantInputs.trimSlashes(GrantInputs.withoutRegion(path))).as(path)
          .isEqualTo(path.replaceFirst("^/v1/regions/[^/]+/", "").replaceAll("^/+|/+$", ""));
    }
  }

  private static String byRegex(String path) {
    String p = path.replaceFirst("^/v1/regions/[^/]+/", "");
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.replaceFirst("^organizations/[^/]+/(projects/[^/]+)", "$1");
  }
}
