package io.k0rdent.api.core.auth.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The known permissions, each interned to a dense int id ({@code 0 .. size()-1}, in the order of the
 * list it was built from, duplicates dropped). Immutable and thread-safe.
 *
 * <p>A permission is {@code service.resource.verb}; each segment starts with a lowercase ASCII letter and
 * continues with ASCII letters and digits ({@code [a-z][a-zA-Z0-9]*}). Segments are lowercase except
 * for camelCase resource names the contract already uses, such as {@code iam.serviceAccounts.create}.
 * A <em>pattern</em> (what a role lists) is a permission name or a wildcard whose {@code *} is the whole
 * last segment: {@code *} (everything), {@code service.*}, {@code service.resource.*}. Anything else
 * ({@code compute.*.get}, {@code compute.cl*}, {@code Compute.clusters.get}, two segments) is malformed.
 *
 * <p>Sets of permissions are bitsets over the ids as {@code long[]} of {@link #words()} words (bit
 * {@code id & 63} of word {@code id >>> 6}); {@link BitSet#valueOf(long[])} turns one into a
 * {@link BitSet}. Every valid pattern that matches something is expanded once, when the catalogue is
 * built, so {@link #expand} is a lookup and a copy.
 */
public final class PermissionCatalog {

  private final String[] names;
  private final Map<String, Integer> ids;
  /** Every valid pattern matching at least one permission (names, {@code *}, prefixes) → its mask. */
  private final Map<String, long[]> masks;
  private final int words;

  private PermissionCatalog(List<String> distinct) {
    this.names = distinct.toArray(new String[0]);
    this.words = (names.length + 63) >>> 6;
    this.ids = new HashMap<>(names.length * 2);
    Map<String, long[]> m = new HashMap<>(names.length * 3);
    long[] all = new long[words];
    for (int i = 0; i < names.length; i++) {
      String n = names[i];
      ids.put(n, i);
      int first = n.indexOf('.');
      int second = n.indexOf('.', first + 1);
      set(m.computeIfAbsent(n, k -> new long[words]), i);
      set(m.computeIfAbsent(n.substring(0, first) + ".*", k -> new long[words]), i);
      set(m.computeIfAbsent(n.substring(0, second) + ".*", k -> new long[words]), i);
      set(all, i);
    }
    if (names.length > 0) {
      m.put("*", all);
    }
    this.masks = m;
  }

  /**
   * A catalogue of {@code permissions}, ids in list order; duplicates keep their first id.
   *
   * @throws IllegalArgumentException naming the first entry that is not a valid permission name (a
   *     wildcard, a bad segment, not three segments)
   * @throws NullPointerException if the list or an entry is null
   */
  public static PermissionCatalog of(Collection<String> permissions) {
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String p : permissions) {
      if (!isPermission(p)) {
        throw new IllegalArgumentException("not a permission name (service.resource.verb): " + p);
      }
      distinct.add(p);
    }
    return new PermissionCatalog(new ArrayList<>(distinct));
  }

  /** Whether {@code s} is a well-formed permission name {@code service.resource.verb} (no wildcard). */
  public static boolean isPermission(String s) {
    java.util.Objects.requireNonNull(s, "permission");
    return segments(s) == 3;
  }

  /**
   * Whether {@code s} is a well-formed pattern: a permission name, {@code *}, {@code service.*} or
   * {@code service.resource.*}. Says nothing about whether it matches a known permission.
   */
  public static boolean isPattern(String s) {
    if (s == null) {
      return false;
    }
    if (s.equals("*")) {
      return true;
    }
    if (s.endsWith(".*")) {
      int n = segments(s.substring(0, s.length() - 2));
      return n == 1 || n == 2;
    }
    return segments(s) == 3;
  }

  /** Number of valid segments of {@code s}, or -1 when a segment is malformed. */
  private static int segments(String s) {
    int count = 0;
    int i = 0;
    int len = s.length();
    while (true) {
      if (i >= len) {
        return -1; // empty segment (leading, trailing or double dot, or empty string)
      }
      char c = s.charAt(i++);
      if (c < 'a' || c > 'z') {
        return -1;
      }
      while (i < len && s.charAt(i) != '.') {
        char d = s.charAt(i++);
        if (!((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9'))) {
          return -1;
        }
      }
      count++;
      if (i == len) {
        return count;
      }
      i++; // the dot
    }
  }

  private static void set(long[] mask, int id) {
    mask[id >>> 6] |= 1L << id;
  }

  /** Number of permissions; ids are {@code 0 .. size()-1}. */
  public int size() {
    return names.length;
  }

  /** Length of the {@code long[]} bitsets over this catalogue: {@code ceil(size() / 64)}. */
  public int words() {
    return words;
  }

  /** The id of permission {@code name}, or -1 when it is not in the catalogue (or null, or a pattern). */
  public int id(String name) {
    if (name == null) {
      return -1;
    }
    Integer id = ids.get(name);
    return id == null ? -1 : id;
  }

  /**
   * The name of permission {@code id}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= id < size()}
   */
  public String name(int id) {
    return names[id];
  }

  /** All permission names, index = id (unmodifiable). */
  public List<String> names() {
    return Collections.unmodifiableList(Arrays.asList(names));
  }

  /**
   * The ids matched by {@code pattern}: a fresh bitset of {@link #words()} words, all zero when the
   * pattern is well formed but matches nothing.
   *
   * @throws IllegalArgumentException when {@code pattern} is malformed (see {@link #isPattern})
   */
  public long[] expand(String pattern) {
    long[] m = pattern == null ? null : masks.get(pattern);
    if (m != null) {
      return m.clone();
    }
    if (!isPattern(pattern)) {
      throw new IllegalArgumentException("malformed permission pattern: " + pattern);
    }
    return new long[words];
  }

  /** {@link #expand} as a {@link BitSet}. */
  public BitSet expandBits(String pattern) {
    return BitSet.valueOf(expand(pattern));
  }

  /**
   * The union of what {@code patterns} match (a fresh bitset of {@link #words()} words).
   *
   * @throws IllegalArgumentException naming every malformed pattern
   */
  public long[] expandAll(Collection<String> patterns) {
    List<String> malformed = new ArrayList<>();
    long[] union = new long[words];
    for (String p : patterns) {
      long[] m = p == null ? null : masks.get(p);
      if (m != null) {
        or(union, m);
      } else if (!isPattern(p)) {
        malformed.add(p);
      }
    }
    if (!malformed.isEmpty()) {
      throw new IllegalArgumentException("malformed permission patterns: " + malformed);
    }
    return union;
  }

  /** The internal mask of a valid, matching pattern, or null (malformed or matching nothing). Not copied. */
  long[] maskOrNull(String pattern) {
    return pattern == null ? null : masks.get(pattern);
  }

  /**
   * The entries of {@code patterns} that grant nothing here — malformed ones and well-formed ones that
   * match no known permission — in their order, without duplicates (a null entry is reported as
   * {@code "null"}): what a 400 for a role's {@code permissions} should name. Empty when all are fine.
   */
  public List<String> unknown(Collection<String> patterns) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String p : patterns) {
      if (p == null) {
        out.add("null");
      } else if (!masks.containsKey(p)) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  /** The names of the permissions whose bits are set in {@code mask}, in id order. */
  public List<String> names(long[] mask) {
    List<String> out = new ArrayList<>();
    for (int w = 0; w < Math.min(mask.length, words); w++) {
      long bits = mask[w];
      while (bits != 0) {
        int id = (w << 6) + Long.numberOfTrailingZeros(bits);
        if (id < names.length) {
          out.add(names[id]);
        }
        bits &= bits - 1;
      }
    }
    return out;
  }

  /** The permissions matched by {@code pattern}, in id order (see {@link #expand} for errors). */
  public List<String> matching(String pattern) {
    return names(expand(pattern));
  }

  /** The permission names, grouped by {@code service.resource}, for diagnostics. */
  @Override
  public String toString() {
    Map<String, List<String>> byResource = new LinkedHashMap<>();
    for (String n : names) {
      int last = n.lastIndexOf('.');
      byResource.computeIfAbsent(n.substring(0, last), k -> new ArrayList<>()).add(n.substring(last + 1));
    }
    return "PermissionCatalog" + byResource;
  }

  /** ORs {@code from} into {@code into} (bitsets of equal length). */
  public static void or(long[] into, long[] from) {
    int n = Math.min(into.length, from.length);
    for (int i = 0; i < n; i++) {
      into[i] |= from[i];
    }
  }
}
