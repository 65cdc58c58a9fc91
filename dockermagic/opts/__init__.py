"""Option values as the docker CLI reads them: KEY=VALUE pairs, image references, and the values of
`docker run`'s options (sizes, durations, restart policies ...), each checked before anything is sent."""
