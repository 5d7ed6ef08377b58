package io.k0rdent.api.core.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One page request to the audit log ({@link EventOutbox#audit}): the outbox's events, newest first ({@code seq}
 * descending), narrowed by whose change they are ({@link #reach}) and by the filters that are set (null = no filter).
 * Every filter must hold for a row to be returned.
 *
 * @param reach         whose events: {@link Reach#ALL} (every row, the provider's own included; only for readers
 *                      allowed platform-wide) or {@link Reach#organization} (only that organization's rows); never
 *                      null, and an organization reach never widens to all (its id is required)
 * @param startTime     rows whose event {@code time} is at or after it (inclusive); rows without a time never match
 *                      a time filter
 * @param endTime       rows whose event {@code time} is before it (exclusive); not before {@code startTime}
 * @param actor         rows whose {@code actorid} extension equals it exactly; non-empty when set
 * @param subjectPrefix rows whose {@code subject} (the resource's selfLink) starts with it, taken literally
 *                      ({@code %}, {@code _} and {@code \} are ordinary characters); non-empty when set
 * @param type          rows whose {@code type} equals it exactly; non-empty when set
 * @param beforeSeq     the keyset cursor: only rows with a smaller {@code seq} (the last {@code seq} of the previous
 *                      page); null for the first page; positive when set
 * @param limit         rows at most, 1..{@value #MAX_LIMIT}
 */
public record AuditQuery(Reach reach, Instant startTime, Instant endTime, String actor, String subjectPrefix,
                         String type, Long beforeSeq, int limit) {

  /** The largest {@code limit}. */
  public static final int MAX_LIMIT = 500;

  /**
   * Whose events an audit query may return. A sealed pair rather than a nullable organization id, so that a query
   * for one organization cannot become a query for all by a missing value.
   */
  public sealed interface Reach permits All, Organization {

    /** Every row, including the provider's own (rows of no organization). */
    Reach ALL = new All();

    /**
     * Only the rows of organization {@code id}.
     *
     * @throws IllegalArgumentException when {@code id} is null or empty
     */
    static Reach organization(String id) {
      return new Organization(id);
    }
  }

  /** {@link Reach#ALL}. */
  public record All() implements Reach {}

  /**
   * One organization's rows.
   *
   * @param id the organization's id; non-empty
   */
  public record Organization(String id) implements Reach {

    /** @throws IllegalArgumentException when {@code id} is null or empty */
    public Organization {
      if (id == null || id.isEmpty()) {
        throw new IllegalArgumentException("an organization reach needs the organization's id");
      }
    }
  }

  /**
   * Checks the arguments.
   *
   * @throws NullPointerException     when {@code reach} is null
   * @throws IllegalArgumentException when {@code limit} is out of 1..{@value #MAX_LIMIT}, {@code beforeSeq} is not
   *                                  positive, a text filter is empty, or {@code endTime} is before
   *                                  {@code startTime}
   */
  public AuditQuery {
    Objects.requireNonNull(reach, "reach");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ": " + limit);
    }
    if (beforeSeq != null && beforeSeq <= 0) {
      throw new IllegalArgumentException("beforeSeq must be positive: " + beforeSeq);
    }
    if (startTime != null && endTime != null && endTime.isBefore(startTime)) {
      throw new IllegalArgumentException("endTime " + endTime + " is before startTime " + startTime);
    }
    nonEmpty("actor", actor);
    nonEmpty("subjectPrefix", subjectPrefix);
    nonEmpty("type", type);
  }

  /** A first-page query of {@code reach} without filters. */
  public static AuditQuery of(Reach reach, int limit) {
    return new AuditQuery(reach, null, null, null, null, null, null, limit);
  }

  /** This query resuming after {@code seq} (the next page's query). */
  public AuditQuery before(long seq) {
    return new AuditQuery(reach, startTime, endTime, actor, subjectPrefix, type, seq, limit);
  }

  /** The organization this query is confined to, or null for {@link Reach#ALL}. */
  public String organizationId() {
    return reach instanceof Organization o ? o.id() : null;
  }

  private static void nonEmpty(String name, String value) {
    if (value != null && value.isEmpty()) {
      throw new IllegalArgumentException(name + " must be non-empty when set");
    }
  }
}
