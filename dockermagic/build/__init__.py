"""Building an image: which builder, the build context (`.dockerignore` applied, streamed as a tar),
and the classic builder's `/build` stream read into steps."""
