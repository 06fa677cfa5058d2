# Ruby's Net::HTTP (standard library). Click2Mail: Net::HTTP.post_form, which sends an
# application/x-www-form-urlencoded body and takes the Basic credentials from the URL's
# user and password.
#
#   ruby ruby_net_http.rb BASE_URL click2mail post_form
#
# Seeds its own user through the control plane, with Net::HTTP too. Prints nothing and exits 0
# when the journey passes; otherwise its last line says what went wrong.
require "json"
require "net/http"
require "securerandom"

FORM = {
  "billingName" => "Awesome User", "billingAddress1" => "221B Baker St", "billingCity" => "Springfield",
  "billingState" => "MO", "billingZip" => "34567", "billingAmount" => "10.00", "billingMonth" => "12",
  "billingYear" => "2030", "billingCvv" => "123", "billingCcType" => "VI"
}.freeze

class Failed < StandardError; end

# The reply has that HTTP status, and its body holds each text.
def expect(what, reply, http, *texts)
  body = reply.body.to_s
  raise Failed, "#{what}: HTTP #{reply.code}, expected #{http}: #{body}" unless reply.code == http.to_s
  texts.each { |text| raise Failed, "#{what}: no #{text} in #{body}" unless body.include?(text) }
end

def admin(base, path, body)
  reply = Net::HTTP.post(URI("#{base}/__admin/#{path}"), JSON.generate(body), "Content-Type" => "application/json")
  expect("seeding #{path}", reply, 201)
end

def click2mail(base, variant, tag)
  raise Failed, "unknown variant #{variant}" unless variant == "post_form"
  user, password = "c2m-ruby-#{tag}", "pw-#{tag}"
  admin(base, "click2mail/users", { "username" => user, "password" => password })
  purchase = lambda do |password, card|
    url = URI("#{base}/molpro/credit/purchase")
    url.user, url.password = user, password # names and passwords here need no escaping
    Net::HTTP.post_form(url, FORM.merge("billingNumber" => card))
  end
  balance = lambda do
    url = URI("#{base}/molpro/credit")
    request = Net::HTTP::Get.new(url)
    request.basic_auth(user, password)
    Net::HTTP.start(url.hostname, url.port) { |http| http.request(request) }
  end

  expect("balance before", balance.call, 200, "<status>0</status>", "<balance>0.00</balance>")
  expect("purchase with 4111111111111111", purchase.call(password, "4111111111111111"), 200,
         "<status>0</status>", "<description>Success</description>")
  expect("balance after the purchase", balance.call, 200, "<balance>10.00</balance>")
  expect("purchase with 4000000000000002", purchase.call(password, "4000000000000002"), 200,
         "<status>2</status>", "<description>payment not authorized: card declined</description>")
  expect("purchase with a wrong password", purchase.call("wrong-#{password}", "4111111111111111"), 401,
         "<status>1</status>", "<description>Authentication failed")
  expect("balance at the end", balance.call, 200, "<balance>10.00</balance>")
end

begin
  base, journey, variant = ARGV
  raise Failed, "unknown journey #{journey}" unless journey == "click2mail"
  click2mail(base, variant, SecureRandom.hex(8))
rescue StandardError => e
  puts(e.is_a?(Failed) ? e.message : "#{e.class}: #{e.message}")
  exit 1
end
