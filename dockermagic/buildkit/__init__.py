"""Building with the engine's BuildKit (`/build?version=2`): the build's plan and request, its trace
decoded into vertices, and the stages of the parsed Dockerfile named as BuildKit names them."""
