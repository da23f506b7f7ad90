# A classic wrong conversion: without CGO_ENABLED=0, net/http links libc dynamically, and
# distroless/static has no libc, so the server cannot start. verify must say the behaviour differs.
FROM golang:1.19 AS builder
WORKDIR /app
COPY go.mod ./
RUN go mod download
COPY . .
RUN go build -ldflags="-s -w" -o /app/server ./cmd/server

FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=builder /app/server /app/server
EXPOSE 8080
USER nobody
CMD ["/app/server"]
