# builder fails: the converted file must not be reported as verified
FROM golang:1.19 AS builder
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/wordfreq ./does-not-exist

FROM gcr.io/distroless/static-debian12
COPY --from=builder /usr/local/bin/wordfreq /usr/local/bin/wordfreq
CMD ["wordfreq"]
