package io.k0rdent.api.router;

/**
 * The listeners of one process (ARCHITECTURE.md §2). {@code ARC} serves operations whose
 * {@code x-visibility} includes {@code public}; {@code ATLAS} those that include {@code internal}
 * (today every operation of the contract does).
 */
public enum Face {
  ARC("public"), ATLAS("internal");

  private final String visibility;

  Face(String visibility) {
    this.visibility = visibility;
  }

  /** Whether an operation with these {@code x-visibility} values is served on this face. */
  public boolean serves(java.util.Collection<String> operationVisibility) {
    return operationVisibility.contains(visibility);
  }
}
