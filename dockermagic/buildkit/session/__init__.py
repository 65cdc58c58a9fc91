"""A BuildKit session served from Python: `POST /session` upgraded to h2c, a gRPC server on that
connection, and the services BuildKit calls back (FileSync, FileSend, Auth, Secrets, SSH), as in
BuildKit's own `session/` folder."""
