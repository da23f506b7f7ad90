# Same conversion with a different CMD: verify must report that the behaviour differs
FROM golang:1.19 AS builder
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY *.go ./
RUN CGO_ENABLED=0 go build -o /usr/local/bin/wordfreq .

FROM gcr.io/distroless/static-debian12
COPY --from=builder /usr/local/bin/wordfreq /usr/local/bin/wordfreq
WORKDIR /src
CMD ["wordfreq", "-top", "3"]
