"""pytest_paymock.testcontainers against a container engine: run by .ci/testcontainers with
DOCKER_HOST at podman's API socket and PAYMOCK_IMAGE naming the image it built."""

import os
import urllib.request
import base64

from pytest_paymock.testcontainers import PaymockContainer

FORM = ("billingName=Awesome+User&billingAddress1=221B+Baker+St&billingCity=Springfield&billingState=MO"
        "&billingZip=34567&billingAmount=25.00&billingNumber=4111111111111111&billingMonth=12"
        "&billingYear=2030&billingCvv=123&billingCcType=VI")


def test_a_purchase_through_a_namespace_of_the_container():
    with PaymockContainer(os.environ.get("PAYMOCK_IMAGE", "paymock:latest")) as container:
        ns = container.server().namespace("python-container")
        request = urllib.request.Request(f"{ns.url}/molpro/credit/purchase", data=FORM.encode(), method="POST")
        request.add_header("Authorization", "Basic " + base64.b64encode(b"awesomeuser:gReAt/PaSsWoRd123").decode())
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(request) as reply:
            assert "<status>0</status>" in reply.read().decode()
        assert ns.received("POST", "/molpro/credit/purchase") == 1
        assert ns.state()["click2mail"]["users"][0]["balance"] == "25.00"
        assert container.server().namespace("default").state()["click2mail"]["users"][0]["balance"] == "0.00"
