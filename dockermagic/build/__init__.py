"""Building an image: the request and result both builders share, which builder, the build context
(`.dockerignore` applied, streamed as a tar), and the classic builder's `/build` stream read into steps."""
