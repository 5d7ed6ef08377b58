package io.k0rdent.api.core.auth;

/** How the caller authenticated; the token's {@code principal_type} claim (upstream {@code ActiveIntrospectionResponse}). */
public enum PrincipalType {
  USER("user"), API_KEY("api_key"), SERVICE_ACCOUNT("service_account");

  private final String claim;

  PrincipalType(String claim) {
    this.claim = claim;
  }

  /** The claim value, e.g. {@code service_account}. */
  public String claim() {
    return claim;
  }

  /** Parses a claim value; null when unknown. */
  public static PrincipalType fromClaim(String s) {
    for (PrincipalType t : values()) {
      if (t.claim.equals(s)) {
        return t;
      }
    }
    return null;
  }
}
