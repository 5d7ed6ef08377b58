package io.k0rdent.api.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.store.PageCursor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PageTokensTest {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  private static final String SCOPE = "projects?organizationId=acme";

  private static byte[] key(int seed) {
    byte[] k = new byte[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (seed * 31 + i);
    }
    return k;
  }

  private final PageTokens tokens = new PageTokens(key(1));

  private static void assertRefused(Runnable decode) {
    assertThatThrownBy(decode::run)
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).contains("pageToken").doesNotContain("expired");
          assertThat(fields(e)).containsExactly("pageToken");
        });
  }

  @SuppressWarnings("unchecked")
  private static List<Object> fields(ApiException e) {
    List<Object> fields = new ArrayList<>();
    for (Map<String, Object> d : e.details()) {
      if ("BadRequest".equals(d.get("@type"))) {
        for (Map<String, Object> v : (List<Map<String, Object>>) d.get("fieldViolations")) {
          fields.add(v.get("field"));
        }
      }
    }
    return fields;
  }

  @Test
  void roundTrips() {
    List<PageCursor> cursors = List.of(
        new PageCursor(Instant.parse("2025-03-01T12:34:56.789Z"), "web-shop"),
        new PageCursor(Instant.ofEpochMilli(0), "a"),
        new PageCursor(Instant.ofEpochMilli(-1), "before-epoch"),
        new PageCursor(Instant.parse("2999-12-31T23:59:59.999Z"), "x".repeat(63)),
        new PageCursor(Instant.parse("2025-03-01T00:00:00.001Z"), "café-ü-日本-😀"),
        new PageCursor(Instant.parse("2025-03-01T00:00:00Z"), ""));
    for (PageCursor c : cursors) {
      String t = tokens.encode(c, SCOPE);
      assertThat(t).matches("[A-Za-z0-9_-]+").hasSizeLessThanOrEqualTo(1024);
      assertThat(tokens.decode(t, SCOPE)).isEqualTo(c);
      assertThat(new PageTokens(key(1)).decode(t, SCOPE)).as("another instance with the same key").isEqualTo(c);
    }
  }

  @Test
  void longerKeysAreAccepted() {
    byte[] k = new byte[64];
    PageTokens t = new PageTokens(k);
    PageCursor c = new PageCursor(Instant.ofEpochMilli(1234), "p");
    assertThat(t.decode(t.encode(c, SCOPE), SCOPE)).isEqualTo(c);
    assertThatThrownBy(() -> new PageTokens(new byte[31])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sameCursorGivesDifferentTokensThatBothDecode() {
    PageCursor c = new PageCursor(Instant.parse("2025-03-01T12:34:56.789Z"), "web-shop");
    String a = tokens.encode(c, SCOPE);
    String b = tokens.encode(c, SCOPE);
    assertThat(a).isNotEqualTo(b);
    assertThat(tokens.decode(a, SCOPE)).isEqualTo(c);
    assertThat(tokens.decode(b, SCOPE)).isEqualTo(c);
  }

  @Test
  void tokenRevealsNeitherIdNorCreatedAt() {
    String id = "secret-project-name";
    Instant at = Instant.parse("2025-03-01T12:34:56.789Z");
    String t = tokens.encode(new PageCursor(at, id), SCOPE);
    byte[] raw = Base64.getUrlDecoder().decode(t);
    String rawText = new String(raw, StandardCharsets.ISO_8859_1);
    assertThat(t).doesNotContain(id);
    assertThat(rawText).doesNotContain(id);
    // The id's base64 at any of the three alignments.
    for (int shift = 0; shift < 3; shift++) {
      String padded = "x".repeat(shift) + id;
      String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(padded.getBytes(StandardCharsets.UTF_8));
      assertThat(t).doesNotContain(b64.substring(4, b64.length() - 4));
    }
    byte[] millis = java.nio.ByteBuffer.allocate(8).putLong(at.toEpochMilli()).array();
    assertThat(rawText).doesNotContain(new String(millis, 2, 6, StandardCharsets.ISO_8859_1));
  }

  @Test
  void everySingleCharacterChangeIsRefused() {
    // Three id lengths: every token length mod 3, so the last character has 0, 2 or 4 unused bits.
    for (String id : List.of("web-shop", "web-shop1", "web-shop12")) {
      String t = tokens.encode(new PageCursor(Instant.parse("2025-03-01T12:34:56.789Z"), id), SCOPE);
      for (int i = 0; i < t.length(); i++) {
        for (char ch : (ALPHABET + "=+/. %\u00e9").toCharArray()) {
          if (ch == t.charAt(i)) {
            continue;
          }
          String altered = t.substring(0, i) + ch + t.substring(i + 1);
          assertRefused(() -> tokens.decode(altered, SCOPE));
        }
      }
    }
  }

  @Test
  void everySingleBitChangeIsRefused() {
    String t = tokens.encode(new PageCursor(Instant.parse("2025-03-01T12:34:56.789Z"), "web-shop"), SCOPE);
    byte[] raw = Base64.getUrlDecoder().decode(t);
    for (int i = 0; i < raw.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] copy = raw.clone();
        copy[i] ^= (byte) (1 << bit);
        String altered = Base64.getUrlEncoder().withoutPadding().encodeToString(copy);
        assertRefused(() -> tokens.decode(altered, SCOPE));
      }
    }
  }

  @Test
  void truncatedExtendedOrPaddedTokensAreRefused() {
    String t = tokens.encode(new PageCursor(Instant.parse("2025-03-01T12:34:56.789Z"), "web-shop"), SCOPE);
    for (int n = 0; n < t.length(); n++) {
      String prefix = t.substring(0, n);
      assertRefused(() -> tokens.decode(prefix, SCOPE));
    }
    assertRefused(() -> tokens.decode(t + "A", SCOPE));
    assertRefused(() -> tokens.decode(t + "AA", SCOPE));
    assertRefused(() -> tokens.decode(t + "=", SCOPE));
    assertRefused(() -> tokens.decode(t + "==", SCOPE));
    assertRefused(() -> tokens.decode(" " + t, SCOPE));
    assertRefused(() -> tokens.decode(t + "\n", SCOPE));
  }

  @Test
  void anotherScopeIsRefused() {
    String t = tokens.encode(new PageCursor(Instant.parse("2025-03-01T12:34:56.789Z"), "web-shop"), SCOPE);
    assertRefused(() -> tokens.decode(t, "projects?organizationId=other"));
    assertRefused(() -> tokens.decode(t, "organizations?"));
    assertRefused(() -> tokens.decode(t, ""));
    assertRefused(() -> tokens.decode(t, SCOPE + " "));
  }

  @Test
  void anotherKeyIsRefused() {
    String t = tokens.encode(new PageCursor(Instant.parse("2025-03-01T12:34:56.789Z"), "web-shop"), SCOPE);
    assertRefused(() -> new PageTokens(key(2)).decode(t, SCOPE));
    byte[] longer = new byte[33];
    System.arraycopy(key(1), 0, longer, 0, 32);
    longer[32] = 1; // not 0: HMAC zero-pads keys, so key || 0x00 is the same HMAC key
    assertRefused(() -> new PageTokens(longer).decode(t, SCOPE));
  }

  @Test
  void garbageIsRefusedWithBadRequestOnly() {
    List<String> garbage = new ArrayList<>(List.of(
        "", "=", "==", "A", "AA", "AAA", "AAAA", "garbage!!", "not a token", "%00", "\u0000", "😀😀😀😀",
        "A".repeat(48), "Ag" + "A".repeat(46), "AQ" + "A".repeat(80), "Ag" + "A".repeat(1022),
        "A".repeat(1025), "A".repeat(100_000), "é".repeat(2000)));
    // Right version byte, plausible length, random rest.
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < 200; i++) {
      byte[] b = new byte[37 + r.nextInt(100)];
      r.nextBytes(b);
      b[0] = 2;
      garbage.add(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
    }
    for (int i = 0; i < 200; i++) {
      StringBuilder sb = new StringBuilder();
      int len = r.nextInt(200);
      for (int j = 0; j < len; j++) {
        sb.append((char) r.nextInt(0x20, 0x7f));
      }
      garbage.add(sb.toString());
    }
    for (String g : garbage) {
      assertRefused(() -> tokens.decode(g, SCOPE));
    }
    assertRefused(() -> tokens.decode(null, SCOPE));
  }

  @Test
  void errorNamesTheField() {
    assertThatThrownBy(() -> tokens.decode("garbage", SCOPE))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage())
              .isEqualTo("pageToken is not a token this list returned (altered, or issued for other filters)");
          assertThat(fields(e)).containsExactly("pageToken");
        });
  }

  @Test
  void tooLongIdsAreRefusedAtEncoding() {
    PageCursor huge = new PageCursor(Instant.ofEpochMilli(1), "x".repeat(800));
    assertThatThrownBy(() -> tokens.encode(huge, SCOPE)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentUseIsSafe() throws Exception {
    int threads = 8;
    int ops = 2000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Integer>> jobs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        jobs.add(() -> {
          int ok = 0;
          for (int i = 0; i < ops; i++) {
            PageCursor c = new PageCursor(Instant.ofEpochMilli(1_700_000_000_000L + thread * 1_000_000L + i),
                "t" + thread + "-item-" + i + "-é");
            String scope = "scope-" + thread + "-" + (i % 7);
            String token = tokens.encode(c, scope);
            PageCursor back = tokens.decode(token, scope);
            if (!back.equals(c)) {
              throw new AssertionError("thread " + thread + " op " + i + ": " + back + " != " + c);
            }
            if (i % 10 == 0) {
              String other = "scope-" + thread + "-" + ((i + 1) % 7);
              try {
                tokens.decode(token, other);
                throw new AssertionError("decoded under another scope");
              } catch (ApiException expected) {
                // refused as it should be
              }
            }
            ok++;
          }
          return ok;
        });
      }
      List<Future<Integer>> results = pool.invokeAll(jobs, 2, TimeUnit.MINUTES);
      for (Future<Integer> f : results) {
        assertThat(f.get()).isEqualTo(ops);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
