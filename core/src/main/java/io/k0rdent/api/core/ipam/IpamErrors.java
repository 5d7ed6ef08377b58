package io.k0rdent.api.core.ipam;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The IPAM failures every store adapter answers, word for word alike, and the resources' paths (the
 * contract's {@code selfLink}s) they name.
 */
public final class IpamErrors {

  /** Blockers listed in a refusal's {@code PreconditionFailure} detail at most. */
  public static final int MAX_BLOCKERS = 50;

  private IpamErrors() {}

  /** {@code /v1/regions/{region}/projects/{project}/compute/} */
  public static String computePath(String region, String project) {
    return "/v1/regions/" + region + "/projects/" + project + "/compute/";
  }

  public static String networkLink(String region, String project, String id) {
    return computePath(region, project) + "networks/" + id;
  }

  public static String subnetLink(String region, String project, String id) {
    return computePath(region, project) + "subnets/" + id;
  }

  public static String addressLink(String region, String project, String id) {
    return computePath(region, project) + "addresses/" + id;
  }

  /** {@code /v1/regions/{region}/compute/address-pools/{id}} */
  public static String poolLink(String region, String id) {
    return "/v1/regions/" + region + "/compute/address-pools/" + id;
  }

  /** 409 {@code ALREADY_EXISTS}. */
  public static ApiException exists(String kind, String id) {
    return ApiException.conflict("ALREADY_EXISTS", kind + " '" + id + "' already exists");
  }

  /** A 409 {@code NETWORK_OVERLAP} that names the network in the way ({@link #otherId()}). */
  public static final class NetworkOverlap extends ApiException {
    private final String cidr;
    private final String otherId;

    NetworkOverlap(String cidr, String otherId, String otherCidr) {
      super(409, "NETWORK_OVERLAP", cidr + " overlaps network '" + otherId + "' (" + otherCidr
          + ") of this project; networks of a project must not overlap", List.of());
      this.cidr = cidr;
      this.otherId = otherId;
    }

    /** The id of the network the new one overlaps. */
    public String otherId() {
      return otherId;
    }

    /** The same refusal without naming the other network, for a caller that may not read it. */
    public ApiException unnamed() {
      return ApiException.conflict("NETWORK_OVERLAP", cidr + " overlaps another network of this project; networks "
          + "of a project must not overlap");
    }
  }

  /** 409 {@code NETWORK_OVERLAP}: {@code cidr} overlaps network {@code otherId} ({@code otherCidr}) of the project. */
  public static NetworkOverlap networkOverlap(String cidr, String otherId, String otherCidr) {
    return new NetworkOverlap(cidr, otherId, otherCidr);
  }

  /** 409 {@code NETWORK_OVERLAP}: {@code cidr} overlaps the region's external address pools. */
  public static ApiException overlapsExternalSpace(String cidr) {
    return ApiException.conflict("NETWORK_OVERLAP", cidr + " overlaps the region's external (public) address pools; "
        + "choose a block outside them");
  }

  /** 409 {@code POOL_OVERLAP}. */
  public static ApiException poolOverlap(String cidr, String otherId, String otherCidr) {
    return ApiException.conflict("POOL_OVERLAP", cidr + " overlaps address pool '" + otherId + "' (" + otherCidr
        + ") of this region; pools of a region must not overlap");
  }

  /** 409 {@code POOL_OVERLAP}: {@code cidr} overlaps a tenant's network of the region (not named: not the caller's). */
  public static ApiException poolOverlapsNetworks(String cidr) {
    return ApiException.conflict("POOL_OVERLAP", cidr + " overlaps a network of a project in this region; an "
        + "external pool must not hold addresses a tenant's network may use");
  }

  /** 409 {@code ADDRESS_IN_USE}: a requested address is taken (never substituted). */
  public static ApiException inUse(String ip, String where) {
    return ApiException.conflict("ADDRESS_IN_USE", ip + " is already allocated in " + where);
  }

  /** 409 {@code SUBNET_EXHAUSTED}. */
  public static ApiException subnetExhausted(String subnetId, String cidr) {
    return ApiException.conflict("SUBNET_EXHAUSTED", "every usable address of subnet '" + subnetId + "' (" + cidr
        + ") is allocated; release one or use another network");
  }

  /** 409 {@code QUOTA_EXCEEDED}: the project holds its most EXTERNAL addresses in the region. */
  public static ApiException quotaExceeded(String project, String region, int limit) {
    return ApiException.conflict("QUOTA_EXCEEDED", "project '" + project + "' already holds " + limit
        + " EXTERNAL addresses in region '" + region + "', its quota (ipam.externalAddressesPerProject); release one "
        + "first");
  }

  /** 409 {@code POOL_EXHAUSTED}. */
  public static ApiException poolExhausted(String what) {
    return ApiException.conflict("POOL_EXHAUSTED", what);
  }

  /**
   * 409 {@code FAILED_PRECONDITION}: {@code kind} {@code id} still has allocated addresses ({@code total}
   * of them; {@code blockers} the first up to {@link #MAX_BLOCKERS}), listed in a {@code PreconditionFailure}
   * detail ({@code type ADDRESS_ALLOCATED}, {@code subject} the address's selfLink).
   */
  public static ApiException stillAllocated(String kind, String id, List<Address> blockers, long total) {
    List<Map<String, Object>> violations = new ArrayList<>();
    for (Address a : blockers.subList(0, Math.min(blockers.size(), MAX_BLOCKERS))) {
      violations.add(Map.of("type", "ADDRESS_ALLOCATED",
          "subject", addressLink(a.region(), a.projectId(), a.id()),
          "description", a.ipAddress() + " is allocated"));
    }
    return new ApiException(409, "FAILED_PRECONDITION", kind + " '" + id + "' still has " + total
        + " allocated address" + (total == 1 ? "" : "es") + "; release them first",
        List.of(Map.of("@type", "PreconditionFailure", "violations", violations)));
  }

  /**
   * 409 {@code FAILED_PRECONDITION}: project {@code project} still has networks or addresses, their selfLinks
   * {@code subjects} listed in a {@code PreconditionFailure} detail ({@code type RESOURCE_IN_PROJECT}).
   */
  public static ApiException projectStillHas(String project, List<String> subjects) {
    List<Map<String, Object>> violations = new ArrayList<>();
    for (String subject : subjects) {
      violations.add(Map.of("type", "RESOURCE_IN_PROJECT", "subject", subject,
          "description", "delete or release it first"));
    }
    return new ApiException(409, "FAILED_PRECONDITION", "project '" + project
        + "' still has networks or addresses; delete them first",
        List.of(Map.of("@type", "PreconditionFailure", "violations", violations)));
  }

  /** 409 {@code FAILED_PRECONDITION}: an address something uses. */
  public static ApiException addressInUse(String id) {
    return ApiException.conflict("FAILED_PRECONDITION", "address '" + id + "' is in use; unbind it first");
  }
}
