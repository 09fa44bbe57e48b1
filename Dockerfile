# One image with every oms process; each Deployment picks its binary with `command`.
#   docker build -t oms:dev .
# Build stage: the Debian 12 packages `./oms setup` installs for a build (PACKAGES in ./oms,
# without PostgreSQL, Prometheus, jq, ccache and clang, which only tests and local runs use).
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev grpc-proto \
      libabsl-dev libpqxx-dev libpq-dev prometheus-cpp-dev libspdlog-dev nlohmann-json3-dev \
      libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev libboost-dev libjwt-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Only the shipped binaries (no tests); -s strips them.
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXE_LINKER_FLAGS=-s \
 && cmake --build build --target order-service inventory-service billing-service shipping-service gateway omsctl

# Run stage: the shared libraries the binaries link (the C and C++ runtimes are in the base
# image), CA certificates for TLS to PostgreSQL, and a user without privileges.
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libabsl20220623 libgrpc++1.51 libgrpc29 libjwt0 libpq5 libpqxx-6.4 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libprometheus-cpp-push1.0 libprotobuf32 \
      libspdlog1.10 libssl3 libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 oms \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin oms
COPY --from=build /src/build/order-service/order-service /usr/local/bin/order-service
COPY --from=build /src/build/inventory-service/inventory-service /usr/local/bin/inventory-service
COPY --from=build /src/build/billing-service/billing-service /usr/local/bin/billing-service
COPY --from=build /src/build/shipping-service/shipping-service /usr/local/bin/shipping-service
COPY --from=build /src/build/gateway/gateway /usr/local/bin/gateway
COPY --from=build /src/build/tools/omsctl/omsctl /usr/local/bin/omsctl
# The operations console's files (not its tests), which the gateway serves with --console_dir.
COPY console/*.html console/*.css console/*.js /usr/local/share/oms/console/
# Numeric, so the kubelet can verify runAsNonRoot; the manifests' runAsUser is the same.
USER 10001:10001
# No entrypoint: each Deployment names its binary in `command`. Every process logs to stderr and
# writes no file, so the root filesystem can be read-only.
