# cmake -DSOURCE_DIR=<web> -DOUTPUT_DIR=<build>/web-ui -DSTAMP=<file> -P copy-web-ui.cmake
#
# Replaces OUTPUT_DIR with the dashboard (SOURCE_DIR/dashboard/*.html, *.js, *.css) and, in
# OUTPUT_DIR/vendor, the ES module bundles of hls.js and dash.js from SOURCE_DIR/node_modules
# (with their licences), then touches STAMP. Fails naming scripts/install-web-deps when a bundle
# is missing.

foreach(var SOURCE_DIR OUTPUT_DIR STAMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "copy-web-ui.cmake: -D${var}=... is required")
  endif()
endforeach()

set(modules "${SOURCE_DIR}/node_modules")
# vendor file name -> file in node_modules. The bundles are the ES module builds (app.js
# imports them); they keep a .js name so that every server types them as JavaScript.
set(vendor_names hls.min.js hls.js.LICENSE dash.all.min.js dash.all.min.js.LICENSE.txt dashjs.LICENSE.md)
set(vendor_hls.min.js "${modules}/hls.js/dist/hls.min.mjs")
set(vendor_hls.js.LICENSE "${modules}/hls.js/LICENSE")
set(vendor_dash.all.min.js "${modules}/dashjs/dist/modern/esm/dash.all.min.js")
set(vendor_dash.all.min.js.LICENSE.txt "${modules}/dashjs/dist/modern/esm/dash.all.min.js.LICENSE.txt")
set(vendor_dashjs.LICENSE.md "${modules}/dashjs/LICENSE.md")

set(missing "")
foreach(name IN LISTS vendor_names)
  if(NOT EXISTS "${vendor_${name}}")
    list(APPEND missing "${vendor_${name}}")
  endif()
endforeach()
if(missing)
  list(JOIN missing "\n  " missing_text)
  message(FATAL_ERROR
    "The dashboard's player bundles are missing:\n  ${missing_text}\n"
    "Install the node modules of web/ with scripts/install-web-deps (npm ci in web/), then build again.")
endif()

file(GLOB sources "${SOURCE_DIR}/dashboard/*.html" "${SOURCE_DIR}/dashboard/*.js" "${SOURCE_DIR}/dashboard/*.css")
file(REMOVE_RECURSE "${OUTPUT_DIR}")
file(MAKE_DIRECTORY "${OUTPUT_DIR}/vendor")
file(COPY ${sources} DESTINATION "${OUTPUT_DIR}")
foreach(name IN LISTS vendor_names)
  file(COPY_FILE "${vendor_${name}}" "${OUTPUT_DIR}/vendor/${name}")
endforeach()
file(TOUCH "${STAMP}")
